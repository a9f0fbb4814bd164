import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { ChildProcess } from 'node:child_process';
import { LabError } from '../errors.js';
import { scaledMs } from '../time-scale.js';

const here = dirname(fileURLToPath(import.meta.url));
/** true when this file runs from the package's dist/ (the CLI), false from its sources (tests, tsx) */
const compiled = import.meta.url.endsWith('.js');

/**
 * argv that runs one of the generator scripts beside this file with a JSON argument: its compiled
 * twin when this runs compiled, else the TypeScript through tsx. `script` is the source name.
 */
export function scriptArgv(script: string, args: object): string[] {
  if (compiled) return [process.execPath, join(here, script.replace(/\.ts$/, '.js')), JSON.stringify(args)];
  const tsxLoader = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
  return [process.execPath, '--import', tsxLoader, join(here, script), JSON.stringify(args)];
}

/** Collects a child's stdout lines; resolves the first JSON line matching `pred`. */
export function waitForJsonLine<T>(
  child: ChildProcess,
  pred: (v: Record<string, unknown>) => boolean,
  timeoutMs: number,
  what: string,
): Promise<T> {
  return new Promise((resolve, reject) => {
    let buf = '';
    let err = '';
    const ceilingMs = scaledMs(timeoutMs);
    const timer = setTimeout(() => finish(new LabError(`${what}: no result within ${ceilingMs} ms; stderr: ${err.trim()}`)), ceilingMs);
    const onData = (d: Buffer): void => {
      buf += d.toString('utf8');
      let k;
      while ((k = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, k).trim();
        buf = buf.slice(k + 1);
        if (!line.startsWith('{')) continue;
        let v: Record<string, unknown>;
        try {
          v = JSON.parse(line) as Record<string, unknown>;
        } catch {
          continue; // not a result line
        }
        if (pred(v)) return finish(undefined, v as T);
      }
    };
    const onErr = (d: Buffer): void => {
      err += d.toString('utf8');
    };
    const onExit = (code: number | null, sig: string | null): void =>
      finish(new LabError(`${what}: exited (${code ?? sig}) before its result; stderr: ${err.trim()}`));
    const finish = (e?: Error, v?: T): void => {
      clearTimeout(timer);
      child.stdout?.off('data', onData);
      child.stderr?.off('data', onErr);
      child.off('exit', onExit);
      if (e) reject(e);
      else resolve(v as T);
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onErr);
    child.on('exit', onExit);
  });
}
