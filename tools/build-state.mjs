/**
 * Is the compiled build (build/, made by tools/build.mjs) the code the sources say?
 *
 * The build records every input it compiled (path, mtime, size, sha1 of the bytes it
 * transpiled). It is fresh only when every input is still there with the same bytes: a
 * stat per input when mtime and size are unchanged (about 1 ms for the whole tree), a hash
 * only for files that were touched. Anything else is stale, with the first reason found, so
 * a caller never runs old code without saying so.
 */
import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const ROOT = fileURLToPath(new URL('../', import.meta.url));
export const BUILD_LINK = join(ROOT, 'build');
export const STAMP_NAME = 'BUILD-STAMP.json';
export const STAMP_VERSION = 1;

export function sha1(bytes) {
  return createHash('sha1').update(bytes).digest('hex');
}

/**
 * @returns {{ fresh: true, dir: string } | { fresh: false, reason: string }}
 * dir is the build's real directory (build/ is a symlink swapped atomically by each build).
 */
export function buildState(root = ROOT) {
  const link = join(root, 'build');
  let stamp;
  try {
    stamp = JSON.parse(readFileSync(join(link, STAMP_NAME), 'utf8'));
  } catch {
    return { fresh: false, reason: 'there is no compiled build (build/)' };
  }
  if (stamp.version !== STAMP_VERSION) return { fresh: false, reason: 'build/ was made by another version of tools/build.mjs' };
  for (const [rel, rec] of Object.entries(stamp.inputs)) {
    const file = join(root, rel);
    let st;
    try {
      st = statSync(file);
    } catch {
      return { fresh: false, reason: `${rel} was removed after the build` };
    }
    if (st.mtimeMs === rec.mtimeMs && st.size === rec.size) continue;
    let bytes;
    try {
      bytes = readFileSync(file);
    } catch {
      return { fresh: false, reason: `${rel} is unreadable` };
    }
    if (sha1(bytes) !== rec.sha1) return { fresh: false, reason: `${rel} changed after the build` };
  }
  return { fresh: true, dir: join(root, 'build', '.') };
}

/**
 * The compiled twin of a source file (e.g. 'cli/src/main.ts' -> file URL of build/cli/src/main.js)
 * when the build is fresh; otherwise why not.
 * @returns {{ url: string } | { url: undefined, reason: string }}
 */
export function compiledUrl(sourceRel, root = ROOT) {
  const s = buildState(root);
  if (!s.fresh) return { url: undefined, reason: s.reason };
  return { url: pathToFileURL(join(root, 'build', sourceRel.replace(/\.ts$/, '.js'))).href };
}

/** Like compiledUrl, for callers that must not run anything else (benchmarks): throws when stale. */
export function requireCompiled(sourceRel, root = ROOT) {
  const c = compiledUrl(sourceRel, root);
  if (c.url === undefined) throw new Error(`${c.reason}: run 'npm run build' (node tools/build.mjs) first`);
  return fileURLToPath(c.url);
}
