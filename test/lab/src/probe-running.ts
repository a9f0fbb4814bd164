/**
 * Waits until the controller lists a running probe from `src`: traffic sent before that is not
 * traced, and on a busy machine starting the CLI and the probe takes seconds, so callers wait
 * for this instead of sleeping a guessed time.
 */
import { XtraceError } from '@xtrace/proto';

/** What this needs of a stack (XtraceStack, ControllerStack): the CLI against its controller. */
export interface CliStack {
  readonly controllerAddress: string;
  cli(args: string[], timeoutMs?: number): Promise<{ code: number; stdout: string; stderr: string }>;
}

/** Resolves with Date.now() once a probe from `src` runs; throws after `timeoutMs`. */
export async function waitProbeRunning(stack: CliStack, src: string, timeoutMs: number): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const r = await stack.cli(['probes', '--json', '--controller', stack.controllerAddress], 20_000);
    const probes = r.code === 0 ? (JSON.parse(r.stdout) as { probes: { src: string; state: string }[] }).probes : [];
    if (probes.some((p) => p.src === src && p.state === 'running')) return Date.now();
    await new Promise((res) => setTimeout(res, 200));
  }
  throw new XtraceError('internal', `no probe from ${src} was running within ${timeoutMs / 1000} s`);
}
