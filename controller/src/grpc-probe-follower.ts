/**
 * Streams one probe's reports to one gRPC client: interval reports as they come (a slow reader
 * gets the newest, not an ever-growing queue; writes wait for the client to drain), then the
 * final report, then the end of the stream. The client counts as one of the probe's watchers
 * while it follows; when the last one goes away, a probe without keep_on_disconnect stops.
 * WatchProbe and RunPairProbe share it.
 */
import type * as grpc from '@grpc/grpc-js';
import type pino from 'pino';
import type { PairReport } from '@xtrace/proto';
import type { Probe, ProbeManager } from './probe-manager.js';

export function followProbe<Out>(
  p: Probe,
  call: grpc.ServerWritableStream<unknown, Out>,
  manager: ProbeManager,
  log: pino.Logger,
  wrap: (r: PairReport) => Out,
): void {
  const id = p.info.probe_id;
  if (p.finalReport) {
    call.write(wrap(p.finalReport));
    call.end();
    return;
  }
  p.watchers++;
  const queue: PairReport[] = [];
  let blocked = false;
  let finished = false;
  const cleanup = (): void => {
    if (finished) return;
    finished = true;
    p.watchers--;
    p.off('report', onReport);
    p.off('final', onFinal);
  };
  const pump = (): void => {
    while (!blocked && queue.length > 0 && !call.cancelled) {
      const r = queue.shift()!;
      const ok = call.write(wrap(r));
      if (r.final) {
        cleanup();
        call.end();
        return;
      }
      if (!ok) {
        // backpressure: wait for the client to read before writing more
        blocked = true;
        call.once('drain', () => {
          blocked = false;
          pump();
        });
      }
    }
  };
  const onReport = (r: PairReport): void => {
    for (let i = queue.length - 1; i >= 0; i--) if (!queue[i]!.final) queue.splice(i, 1);
    queue.push(r);
    pump();
  };
  const onFinal = (r: PairReport): void => {
    queue.push(r);
    pump();
  };
  p.on('report', onReport);
  p.on('final', onFinal);
  call.on('cancelled', () => {
    cleanup();
    if (!p.keepOnDisconnect && p.watchers === 0 && p.state === 'running') {
      log.info({ probeId: id }, 'last watcher went away: stopping the probe');
      void manager.stop(id, 'client went away').catch((e: unknown) => log.warn({ err: e }, 'stop after cancel failed'));
    }
  });
}
