/** Runs support/udp-rr-closed-main.ts in a VM namespace of the lab and returns its result. */
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createInterface } from 'node:readline';
import type { Lab, VmInfo } from '@xtrace/test';

const SCRIPT = fileURLToPath(new URL('./udp-rr-closed-main.ts', import.meta.url));
const TSX = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;

export interface ClosedRrResult {
  replies: number;
  seconds: number;
  rrPerS: number;
  timeouts: number;
}

export function closedLoopRr(
  lab: Lab,
  from: VmInfo,
  dst: string,
  port: number,
  o: { inflight: number; seconds: number; warmupS?: number; size?: number },
): Promise<ClosedRrResult> {
  const child = lab.spawnIn(from.ns, [process.execPath, '--import', TSX, SCRIPT, JSON.stringify({ dst, port, ...o })], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`closed-loop RR client did not finish: ${stderr}`));
    }, (o.seconds + (o.warmupS ?? 0.5)) * 1000 + 20_000);
    createInterface({ input: child.stdout! }).on('line', (line) => {
      if (!line.startsWith('{')) return;
      const v = JSON.parse(line) as { event?: string } & ClosedRrResult;
      if (v.event === 'result') {
        clearTimeout(timer);
        resolve(v);
      }
    });
    child.once('exit', (code) => {
      if (code !== 0) {
        clearTimeout(timer);
        reject(new Error(`closed-loop RR client exited (${code}): ${stderr}`));
      }
    });
  });
}
