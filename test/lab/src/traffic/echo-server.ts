import type { ChildProcess } from 'node:child_process';
import type { Lab } from '../lab.js';
import type { VmInfo } from '../topology.js';
import { waitForJsonLine } from './script-runner.js';

/** A service inside a VM namespace that answers the traffic generators. */
export interface EchoServer<Stats = Record<string, number>> {
  child: ChildProcess;
  /** stops the server and returns its counters */
  stop(): Promise<Stats>;
}

/**
 * Starts `argv` inside the VM's namespace, waits for its {"event":"listening"} line and hands
 * back a stop() that sends SIGTERM and resolves its {"event":"stats"} line.
 */
export async function startEchoServer<Stats>(lab: Lab, vm: VmInfo, argv: string[], what: string): Promise<EchoServer<Stats>> {
  const child = lab.spawnIn(vm.ns, argv);
  await waitForJsonLine(child, (v) => v['event'] === 'listening', 15_000, what);
  let stopped: Promise<Stats> | undefined;
  return {
    child,
    stop() {
      if (!stopped) {
        stopped = waitForJsonLine<Stats>(child, (v) => v['event'] === 'stats', 30_000, what); // a ceiling: slow machines (a TCG hypervisor) need it
        child.kill('SIGTERM');
      }
      return stopped;
    },
  };
}
