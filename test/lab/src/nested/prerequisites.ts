/** What the nested lab needs on this machine, checked before anything starts. */
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { NestedPrerequisiteError } from './errors.js';

function onPath(program: string): boolean {
  return (process.env['PATH'] ?? '/usr/bin:/bin').split(delimiter).some((dir) => {
    try {
      accessSync(join(dir, program), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

/** Debian package of each program the machine side runs */
const PROGRAMS: Record<string, string> = {
  'qemu-system-x86_64': 'qemu-system-x86',
  socat: 'socat',
  setpriv: 'util-linux',
};

/** Why a nested lab cannot run here (not root, a program missing), or undefined. */
function nestedLabMissing(): string | undefined {
  if (process.getuid?.() !== 0) return 'needs root (QEMU guests with the machine\'s root filesystem, /run/xtrace-lab)';
  const missing = Object.keys(PROGRAMS).filter((p) => !onPath(p));
  if (missing.length) return `missing ${missing.join(', ')} (apt-get install ${missing.map((p) => PROGRAMS[p]).join(' ')}; ./setup.sh does)`;
  return undefined;
}

export function assertNestedLabPrerequisites(): void {
  const why = nestedLabMissing();
  if (why) throw new NestedPrerequisiteError(`nested lab: ${why}`);
}

/**
 * For tests: why to skip a nested-lab test here (no root, no qemu), or undefined to run it.
 * Under CI=true nothing may be missing: it throws instead, so the test fails.
 */
export function nestedLabUnavailableReason(): string | undefined {
  const why = nestedLabMissing();
  if (why && process.env['CI'] === 'true') throw new NestedPrerequisiteError(`nested lab: ${why}: CI must run the nested lab tests`);
  return why;
}
