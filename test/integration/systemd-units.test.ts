/**
 * The systemd units in deploy/ pass `systemd-analyze verify`, checked strictly: systemd only
 * warns (exit 0) about an unknown key, a value it cannot parse or a capability it does not
 * know, and drops it; so any message is a failure, and the capabilities systemd parsed must be
 * the ones the unit names. Runs in a temporary root holding the units, the machine's own
 * system units (sysinit.target, network-online.target, ...) and a stub /usr/bin/xtrace (verify
 * insists that ExecStart's binary exists). Broken copies of a unit prove the check fails.
 */
import { execFile } from 'node:child_process';
import { chmodSync, cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { NATS_OPTION_SPECS } from '@xtrace/proto';

const run = promisify(execFile);
const DEPLOY = new URL('../../deploy/', import.meta.url);
const UNITS = ['xtrace-agent.service', 'xtrace-controller.service'];
const SYSTEM_UNITS = '/usr/lib/systemd/system';
const CAPABILITY_KEYS = ['CapabilityBoundingSet', 'AmbientCapabilities'];

/** the sources that read XTRACE_* variables: the CLI's commands and flags, proto's NATS options, the agent */
const ENV_READERS = ['cli/src', 'proto/src', 'node-agent/src'];

const roots: string[] = [];
afterAll(() => {
  for (const r of roots) rmSync(r, { recursive: true, force: true });
});

function unitText(name: string): string {
  return readFileSync(new URL(name, DEPLOY), 'utf8');
}

/** key=value lines of a unit (the last assignment of a key wins, as in systemd; empty resets) */
function unitSettings(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of text.split('\n')) {
    const m = /^([A-Za-z]+)=(.*)$/.exec(line.trim());
    if (m !== null) out.set(m[1]!, m[2]!.trim());
  }
  return out;
}

const capSet = (value: string): string[] => value.split(/\s+/).filter((c) => c !== '').map((c) => c.toLowerCase()).sort();

/** Every problem systemd-analyze verify sees in these unit files (name -> text); [] when clean. */
async function verifyProblems(units: Record<string, string>): Promise<string[]> {
  const root = mkdtempSync(join(tmpdir(), 'xtrace-units-'));
  roots.push(root);
  mkdirSync(join(root, 'usr/bin'), { recursive: true });
  writeFileSync(join(root, 'usr/bin/xtrace'), '#!/bin/sh\nexit 0\n');
  chmodSync(join(root, 'usr/bin/xtrace'), 0o755);
  cpSync(SYSTEM_UNITS, join(root, SYSTEM_UNITS), { recursive: true, verbatimSymlinks: true });
  const unitDir = join(root, 'etc/systemd/system');
  mkdirSync(unitDir, { recursive: true });
  for (const [name, text] of Object.entries(units)) writeFileSync(join(unitDir, name), text);

  const verify = async (env: NodeJS.ProcessEnv = {}): Promise<{ code: number; output: string }> => {
    try {
      const { stdout, stderr } = await run('systemd-analyze', ['verify', `--root=${root}`, ...Object.keys(units)], { env: { ...process.env, ...env }, maxBuffer: 64 << 20 });
      return { code: 0, output: stdout + stderr };
    } catch (e: unknown) {
      const err = e as { code?: number; stdout?: string; stderr?: string };
      return { code: typeof err.code === 'number' ? err.code : -1, output: `${err.stdout ?? ''}${err.stderr ?? ''}` };
    }
  };
  const problems: string[] = [];
  const plain = await verify();
  if (plain.code !== 0) problems.push(`exit ${plain.code}`);
  problems.push(...plain.output.split('\n').filter((l) => l.trim() !== ''));

  // the debug log dumps each unit as parsed: capabilities systemd did not know are missing there
  const dump = (await verify({ SYSTEMD_LOG_LEVEL: 'debug' })).output;
  for (const [name, text] of Object.entries(units)) {
    const declared = unitSettings(text);
    const section = dump.slice(dump.indexOf(`-> Unit ${name}:`));
    for (const key of CAPABILITY_KEYS) {
      const want = capSet(declared.get(key) ?? '');
      if (want.length === 0) continue;
      const parsed = new RegExp(`^\\s+${key}: (.*)$`, 'm').exec(section);
      const got = capSet(parsed?.[1] ?? '');
      if (got.join(' ') !== want.join(' ')) problems.push(`${name}: ${key} names ${want.join(' ')}, systemd parsed ${got.join(' ') || 'nothing'}`);
    }
  }
  return problems;
}

const shipped = (): Record<string, string> => Object.fromEntries(UNITS.map((u) => [u, unitText(u)]));

describe('systemd units (deploy/)', () => {
  it('verify cleanly, with the capabilities they name', async () => {
    expect(await verifyProblems(shipped())).toEqual([]);
  });

  it('ExecStart runs xtrace agent / controller with their argument variables from the environment file', () => {
    const agent = unitSettings(unitText('xtrace-agent.service'));
    const controller = unitSettings(unitText('xtrace-controller.service'));
    expect(agent.get('ExecStart')).toBe('/usr/bin/xtrace agent $XTRACE_AGENT_ARGS');
    expect(controller.get('ExecStart')).toBe('/usr/bin/xtrace controller $XTRACE_CONTROLLER_ARGS');
    for (const s of [agent, controller]) {
      expect(s.get('EnvironmentFile')).toBe('/etc/xtrace/xtrace.env');
      expect(s.get('Restart')).toBe('on-failure');
      expect(s.get('NoNewPrivileges')).toBe('yes');
      expect(s.get('ProtectSystem')).toBe('strict');
    }
    expect(capSet(agent.get('CapabilityBoundingSet') ?? '')).toEqual(['cap_bpf', 'cap_net_admin', 'cap_perfmon']);
    expect(controller.get('CapabilityBoundingSet')).toBe('');
  });

  it('fails on a broken copy: bad value, unknown key, unknown capability, missing binary', async () => {
    const agent = unitText('xtrace-agent.service');
    const broken: [string, string, RegExp][] = [
      ['bad value', agent.replace(/^Restart=on-failure$/m, 'Restart=sometimes'), /restart specifier/],
      ['unknown key', agent.replace(/^ProtectSystem=strict$/m, 'ProtectSytem=strict'), /Unknown key 'ProtectSytem'/],
      ['unknown capability', agent.replace(/^CapabilityBoundingSet=CAP_BPF/m, 'CapabilityBoundingSet=CAP_BFP'), /CapabilityBoundingSet names .*systemd parsed/],
      ['missing binary', agent.replace(/^ExecStart=\/usr\/bin\/xtrace /m, 'ExecStart=/usr/bin/xtrace-none '), /not executable/],
    ];
    for (const [what, text, expected] of broken) {
      expect(text, what).not.toBe(agent);
      const problems = await verifyProblems({ 'xtrace-agent.service': text });
      expect(problems.join('\n'), what).toMatch(expected);
    }
  });

  it('the environment file example names only variables xtrace reads, and every NATS one', async () => {
    const example = unitText('xtrace.env.example');
    const named = new Set([...example.matchAll(/^#?(XTRACE_[A-Z_]+)=/gm)].map((m) => m[1]!));
    const units = UNITS.map(unitText).join('\n');
    const repo = new URL('../../', import.meta.url).pathname;
    for (const v of named) {
      if (units.includes(`$${v}`)) continue; // the units' argument variables
      const { stdout } = await run('grep', ['-rlw', '--include=*.ts', '--exclude=*.test.ts', v, ...ENV_READERS], { cwd: repo }).catch(() => ({ stdout: '' }));
      expect(stdout.trim(), `${v} is read by no source in ${ENV_READERS.join(', ')}`).not.toBe('');
    }
    for (const spec of NATS_OPTION_SPECS) expect(named, spec.env).toContain(spec.env);
    for (const v of ['XTRACE_AGENT_ARGS', 'XTRACE_CONTROLLER_ARGS', 'XTRACE_TOKEN', 'XTRACE_CONTROLLER', 'XTRACE_TLS_CA', 'XTRACE_TLS_CERT', 'XTRACE_TLS_KEY']) expect(named, v).toContain(v);
  });
});
