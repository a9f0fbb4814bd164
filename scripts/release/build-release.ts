/**
 * `npm run release [-- --out DIR] [--image]`: the linux-x64 artifact an operator installs with
 * `npm install -g xtrace-<version>-linux-x64.tgz` on a host with Node >= 20 and the runtime
 * libraries only (libbpf1, libelf1, zlib1g, iproute2): the compiled JavaScript of the CLI, agent,
 * controller and their shared packages, the CO-RE BPF object, the addon prebuilt, and every npm
 * package they need bundled (./stage-package.ts). `npm run release` has compiled the TypeScript
 * (tsc -b) before this runs. With --image, deploy/build-image.sh then builds the OCI image from it.
 *
 * Prints the tarball's path on stdout (progress on stderr).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, renameSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { freshDir, stagePackage } from './stage-package.js';

const REPO = fileURLToPath(new URL('../..', import.meta.url));

function step(what: string): void {
  process.stderr.write(`release: ${what}\n`);
}

function run(cmd: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = process.env): string {
  return execFileSync(cmd, args, { cwd, env, stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 64 << 20 }).toString();
}

/** Newest modification time under `dir` (files only). */
function newestMtime(dir: string): number {
  let newest = 0;
  for (const e of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (e.isFile()) newest = Math.max(newest, statSync(join(e.parentPath, e.name)).mtimeMs);
  }
  return newest;
}

/**
 * The addon, up to date with its sources: the checkout's build when it is newer than binding.gyp
 * and src/addon/, else `npm run build -w @xtrace/native` (node-gyp rebuild, as setup.sh does).
 */
function buildAddon(): string {
  const native = join(REPO, 'native');
  const addon = join(native, 'build/Release/xtrace_native.node');
  const sources = Math.max(statSync(join(native, 'binding.gyp')).mtimeMs, newestMtime(join(native, 'src/addon')));
  if (existsSync(addon) && statSync(addon).mtimeMs >= sources) return addon;
  // node-gyp builds against the installed Node's headers, never a download (as setup.sh does)
  const env = existsSync('/usr/include/node/node_api.h') ? { ...process.env, npm_config_nodedir: '/usr' } : process.env;
  run('npm', ['run', 'build', '-w', '@xtrace/native'], REPO, env);
  return addon;
}

export function buildRelease(outDir: string): string {
  if (process.platform !== 'linux' || process.arch !== 'x64') {
    throw new Error(`a release is built on linux-x64 (the addon is compiled here), not ${process.platform}-${process.arch}`);
  }
  step('BPF objects (make -C bpf)');
  run('make', ['-s', '-C', join(REPO, 'bpf')], REPO);
  step('native addon (native/build, rebuilt when older than its sources)');
  const addonFile = buildAddon();
  const stageDir = join(outDir, 'stage');
  step(`package layout in ${stageDir}`);
  freshDir(stageDir);
  const staged = stagePackage({ repo: REPO, addonFile, stageDir });
  step(`${staged.bundled.length} npm packages bundled; npm pack`);
  const packed = JSON.parse(run('npm', ['pack', '--json', '--pack-destination', outDir], stageDir)) as { filename: string }[];
  const filename = packed[0]?.filename;
  if (!filename) throw new Error('npm pack named no tarball');
  const tarball = join(outDir, `${staged.name}-${staged.version}-${process.platform}-${process.arch}.tgz`);
  renameSync(join(outDir, filename), tarball);
  return tarball;
}

const isMain = process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (isMain) {
  const { values } = parseArgs({ options: { out: { type: 'string' }, image: { type: 'boolean' } } });
  const outDir = resolve(values.out ?? join(REPO, 'release'));
  try {
    const tarball = buildRelease(outDir);
    step(`artifact ${tarball}`);
    if (values.image) {
      step('OCI image (deploy/build-image.sh)');
      execFileSync(join(REPO, 'deploy/build-image.sh'), [tarball], { stdio: ['ignore', 'inherit', 'inherit'] });
    }
    process.stdout.write(`${tarball}\n`);
  } catch (e: unknown) {
    process.stderr.write(`release: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exitCode = 1;
  }
}
