import { LabError } from '../errors.js';

/** The end of a log that tells why something failed (a hypervisor's console, an agent's log). */
export interface LogTail {
  path: string;
  tail: string;
}

interface NestedErrorOptions {
  cause?: unknown;
  log?: LogTail | undefined;
}

/** A nested lab operation failed; the message ends with the tail of the log that tells why, when one does. */
export class NestedLabError extends LabError {
  readonly log: LogTail | undefined;
  constructor(message: string, options: NestedErrorOptions = {}) {
    const tail = options.log?.tail.trimEnd();
    super(tail ? `${message}\n--- last lines of ${options.log?.path}:\n${tail}` : message, options);
    this.log = options.log;
  }
}

/** Something the nested lab needs is missing on this machine (root, qemu, socat, a kernel, …). */
export class NestedPrerequisiteError extends NestedLabError {}

/** A hypervisor did not boot to its control channel (QEMU failed, the guest's init failed, timeout). */
export class HypervisorBootError extends NestedLabError {
  constructor(
    readonly host: number,
    message: string,
    options: NestedErrorOptions = {},
  ) {
    super(`hypervisor ${host}: ${message}`, options);
  }
}

interface CommandOutcome {
  code: number | null;
  timedOut: boolean;
  stdout: string;
  stderr: string;
}

/** A command inside a hypervisor or a VM failed, timed out, or could not be run at all (no outcome). */
export class NestedCommandError extends NestedLabError {
  constructor(
    /** "hypervisor 0", "vm 1/0" */
    readonly where: string,
    readonly command: string,
    readonly outcome: CommandOutcome | undefined,
    message: string,
    options: NestedErrorOptions = {},
  ) {
    super(`${where}: ${message}: ${abbreviate(command)}${outputOf(outcome)}`, options);
  }
}

const abbreviate = (command: string): string => (command.length > 300 ? `${command.slice(0, 300)}…` : command);

function outputOf(o: CommandOutcome | undefined): string {
  const out = o ? (o.stderr.trim() || o.stdout.trim()).slice(-1500) : '';
  return out ? `\n${out}` : '';
}
