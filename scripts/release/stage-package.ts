/**
 * Lays out the release's npm package in a directory: one package `xtrace` whose node_modules holds
 * the shipped workspaces as @xtrace/* and every npm package they need at run time, all of them
 * named in bundleDependencies, so `npm install -g` of the tarball needs no registry.
 *
 * The workspaces keep their places relative to each other: in a checkout the agent finds the BPF
 * object at `../../../bpf/build/xtrace.bpf.o` from node-agent/dist/tracing/
 * (node-agent/src/tracing/tracer.ts), so the release ships bpf/ as node_modules/@xtrace/bpf,
 * beside node_modules/@xtrace/node-agent. The lab (`xtrace lab`, `xtrace demo`) is not shipped:
 * the CLI loads it only when those commands run, and it needs the checkout (its C relays, the
 * nested lab's scripts), so those two commands say the package is missing.
 */
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { lockClosure, type PackageLock } from './lock-closure.js';

/** The workspaces a release ships (lock path = folder) and what of each folder. */
export const SHIPPED_WORKSPACES: { folder: string; name: string; files: string[] }[] = [
  { folder: 'proto', name: '@xtrace/proto', files: ['package.json', 'dist', 'xtrace.proto'] },
  { folder: 'native', name: '@xtrace/native', files: ['package.json', 'dist'] },
  { folder: 'node-agent', name: '@xtrace/node-agent', files: ['package.json', 'dist'] },
  { folder: 'controller', name: '@xtrace/controller', files: ['package.json', 'dist'] },
  { folder: 'cli', name: '@xtrace/cli', files: ['package.json', 'bin', 'dist'] },
];
/** Workspace dependencies a release leaves out, and build-time-only packages (the addon's headers). */
export const NOT_SHIPPED = new Set(['@xtrace/lab', 'node-addon-api']);
/** The CO-RE objects the agent loads (bpf/Makefile builds them; bench-baseline is a benchmark's). */
export const BPF_OBJECTS = ['xtrace.bpf.o'];

export class StageError extends Error {
  override readonly name = 'StageError';
}

export interface StageInput {
  repo: string;
  /** the addon built for this platform (copied to @xtrace/native/prebuilds/<platform>-<arch>/) */
  addonFile: string;
  /** an empty directory to lay the package out in */
  stageDir: string;
  platform?: string;
  arch?: string;
}

export interface StagedPackage {
  name: string;
  version: string;
  /** bundled npm packages (not the workspaces), lock paths */
  bundled: string[];
}

/** compiled JavaScript and its source maps: no build info, no declarations */
const distFilter = (src: string): boolean => !/\.(tsbuildinfo|d\.ts|d\.ts\.map)$/.test(src);

export function stagePackage(input: StageInput): StagedPackage {
  const { repo, stageDir } = input;
  const platform = input.platform ?? process.platform;
  const arch = input.arch ?? process.arch;
  const rootPkg = JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')) as { version: string; description?: string; engines?: Record<string, string> };
  const lock = JSON.parse(readFileSync(join(repo, 'package-lock.json'), 'utf8')) as PackageLock;
  const modules = join(stageDir, 'node_modules');

  // the workspaces, compiled
  for (const ws of SHIPPED_WORKSPACES) {
    const to = join(modules, ws.name);
    for (const f of ws.files) {
      const from = join(repo, ws.folder, f);
      if (!existsSync(from)) throw new StageError(`${relative(repo, from)} is missing (run ./setup.sh, or npm run build)`);
      cpSync(from, join(to, f), { recursive: true, filter: distFilter });
    }
  }
  const prebuilds = join(modules, '@xtrace/native/prebuilds', `${platform}-${arch}`);
  mkdirSync(prebuilds, { recursive: true });
  cpSync(input.addonFile, join(prebuilds, 'xtrace_native.node'));

  // the BPF objects, where the agent looks for them
  const bpfPkg = join(modules, '@xtrace/bpf');
  mkdirSync(join(bpfPkg, 'build'), { recursive: true });
  for (const o of BPF_OBJECTS) {
    const from = join(repo, 'bpf/build', o);
    if (!existsSync(from)) throw new StageError(`bpf/build/${o} is missing (run make -C bpf)`);
    cpSync(from, join(bpfPkg, 'build', o));
  }
  writeFileSync(
    join(bpfPkg, 'package.json'),
    `${JSON.stringify({ name: '@xtrace/bpf', version: rootPkg.version, private: true, description: "xtrace's CO-RE BPF objects (bpf/ of the repository)" }, null, 2)}\n`,
  );

  // the npm packages they need, as locked
  const bundled = lockClosure(
    lock,
    SHIPPED_WORKSPACES.map((w) => w.folder),
    { exclude: NOT_SHIPPED, installed: (p) => existsSync(join(repo, p, 'package.json')), platform, arch },
  );
  for (const p of bundled) {
    const from = join(repo, p);
    // each nested node_modules/<dep> is an entry of its own in the closure (or not needed)
    cpSync(from, join(stageDir, p), { recursive: true, filter: (src) => src === from || !relative(from, src).startsWith('node_modules') });
  }

  // the package: every top-level node_modules entry is a bundled dependency
  const topLevel = new Map<string, string>();
  for (const ws of SHIPPED_WORKSPACES) topLevel.set(ws.name, rootPkg.version);
  topLevel.set('@xtrace/bpf', rootPkg.version);
  for (const p of bundled) {
    const name = p.slice('node_modules/'.length);
    if (name.includes('/node_modules/')) continue;
    const version = lock.packages[p]?.version;
    if (version === undefined) throw new StageError(`package-lock.json gives no version for ${p}`);
    topLevel.set(name, version);
  }
  const names = [...topLevel.keys()].sort();
  const pkg = {
    name: 'xtrace',
    version: rootPkg.version,
    description: rootPkg.description,
    type: 'module',
    bin: { xtrace: 'node_modules/@xtrace/cli/bin/xtrace.js' },
    engines: rootPkg.engines,
    os: [platform],
    cpu: [arch],
    dependencies: Object.fromEntries(names.map((n) => [n, topLevel.get(n)!])),
    bundleDependencies: names,
  };
  writeFileSync(join(stageDir, 'package.json'), `${JSON.stringify(pkg, null, 2)}\n`);
  cpSync(join(repo, 'README.md'), join(stageDir, 'README.md'));
  return { name: pkg.name, version: pkg.version, bundled };
}

/** Empties (or makes) a directory the stage is laid out in. */
export function freshDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
}
