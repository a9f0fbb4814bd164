/**
 * A real `xtrace agent` process (BPF loaded) inside one lab hypervisor's namespace, connected to
 * a ControllerStack's nats-server over the management link; its output goes to
 * `<lab dir>/<logName>` and is kept for assertions.
 */
import type { ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { join } from 'node:path';
import { scaledMs, type ControllerStack, type Lab } from '@xtrace/lab';
import { XTRACE_BIN } from './cli.js';
import { exitDescription, hasExited } from '@xtrace/proto';

export interface LabAgent {
  hostId: string;
  proc: ChildProcess;
  /** what it wrote to stderr (its log), in order */
  stderr: string[];
  /** SIGTERM, then waits for its exit */
  stop(): Promise<void>;
}

export async function startLabAgent(lab: Lab, stack: ControllerStack, host: number, o: { args?: string[]; logName: string }): Promise<LabAgent> {
  const hostId = `${lab.prefix}-hv${host}`;
  const proc = lab.spawnIn(lab.hostSpec(host).ns, [process.execPath, XTRACE_BIN, 'agent', '--nats', lab.managementUrl(stack.nats.port, host), '--host-id', hostId, ...(o.args ?? [])], {
    env: { ...process.env, XTRACE_LOG_LEVEL: 'info' },
  });
  const log = createWriteStream(join(lab.dir, o.logName), { flags: 'a' });
  proc.stdout?.pipe(log);
  proc.stderr?.pipe(log);
  const stderr: string[] = [];
  proc.stderr?.on('data', (d: Buffer) => stderr.push(d.toString()));
  try {
    await stack.waitAgents({ hosts: [hostId], vmAddresses: [] }, scaledMs(60_000));
  } catch (e: unknown) {
    const how = hasExited(proc) ? `it ${exitDescription(proc)}` : 'it still runs';
    proc.kill('SIGKILL');
    throw new Error(`agent ${hostId} did not register (${how}); its output: ${stderr.join('').slice(-3000)}`, { cause: e });
  }
  return {
    hostId,
    proc,
    stderr,
    async stop() {
      if (hasExited(proc)) return;
      const exited = new Promise((r) => proc.once('exit', r));
      proc.kill('SIGTERM');
      await exited;
    },
  };
}
