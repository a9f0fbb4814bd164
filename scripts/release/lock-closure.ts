/**
 * The npm packages a release bundles: what the workspaces it ships depend on at run time, and
 * what those depend on, resolved in package-lock.json the way Node resolves them (a package's own
 * nested node_modules first, then each parent's, up to the top), so the release holds exactly the
 * versions the checkout was tested with and bundling needs no registry.
 */

/** One entry of package-lock.json's `packages` (lockfileVersion 2 and 3). */
export interface LockEntry {
  version?: string;
  link?: boolean;
  dev?: boolean;
  optional?: boolean;
  os?: string[];
  cpu?: string[];
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
}

export interface PackageLock {
  packages: Record<string, LockEntry>;
}

export class LockClosureError extends Error {
  override readonly name = 'LockClosureError';
}

/**
 * The lock paths (e.g. `node_modules/pino`, `node_modules/yargs/node_modules/string-width`) of
 * every package reached from `roots` (lock paths of the shipped workspaces, e.g. `cli`), minus
 * the names in `exclude` and what only they bring. A missing required dependency throws; a
 * missing optional one, or one for another platform (`installed` says false, or the lock's
 * os/cpu exclude `platform`/`arch`), is left out.
 */
export function lockClosure(
  lock: PackageLock,
  roots: string[],
  opts: { exclude?: Set<string>; installed?: (lockPath: string) => boolean; platform?: string; arch?: string } = {},
): string[] {
  const exclude = opts.exclude ?? new Set<string>();
  const installed = opts.installed ?? (() => true);
  const platform = opts.platform ?? process.platform;
  const arch = opts.arch ?? process.arch;
  const fits = (e: LockEntry): boolean => (!e.os || e.os.includes(platform)) && (!e.cpu || e.cpu.includes(arch));

  const found = new Set<string>();
  const queue = [...roots];
  for (const root of roots) if (!lock.packages[root]) throw new LockClosureError(`package-lock.json has no entry '${root}'`);
  while (queue.length > 0) {
    const from = queue.shift()!;
    const entry = lock.packages[from]!;
    const wanted: [string, boolean][] = [
      ...Object.keys(entry.dependencies ?? {}).map((n): [string, boolean] => [n, false]),
      ...Object.keys(entry.optionalDependencies ?? {}).map((n): [string, boolean] => [n, true]),
    ];
    for (const [name, optional] of wanted) {
      if (exclude.has(name)) continue;
      const at = resolveInLock(lock, from, name);
      const target = at === undefined ? undefined : lock.packages[at];
      if (at === undefined || target === undefined || !fits(target) || !installed(at)) {
        if (optional) continue;
        throw new LockClosureError(`'${from || '(root)'}' needs '${name}', which package-lock.json does not hold for ${platform}-${arch} (run npm install)`);
      }
      // a workspace (a link) is shipped as a workspace, not as a bundled package
      if (target.link || found.has(at)) continue;
      found.add(at);
      queue.push(at);
    }
  }
  return [...found].sort();
}

/** Where Node finds `name` from the package at lock path `from`: its node_modules, then each parent's. */
export function resolveInLock(lock: PackageLock, from: string, name: string): string | undefined {
  let dir = from;
  for (;;) {
    const candidate = dir === '' ? `node_modules/${name}` : `${dir}/node_modules/${name}`;
    if (lock.packages[candidate]) return candidate;
    if (dir === '') return undefined;
    const cut = dir.lastIndexOf('/node_modules/');
    // `node_modules/a` -> '', `cli` -> '', `node_modules/a/node_modules/b` -> `node_modules/a`
    dir = cut >= 0 ? dir.slice(0, cut) : '';
  }
}
