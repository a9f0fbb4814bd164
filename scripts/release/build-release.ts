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
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { freshDir, stagePackage } from './stage-package.js';

const REPO = fileURLToPath(new URL('../..', import.meta.url));
const ADDON = 'build/Release/xtrace_native.node';

function step(what: string): void {
  process.stderr.write(`release: ${what}\n`);
}

function run(cmd: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = process.env): string {
  return execFileSync(cmd, args, { cwd, env, stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 64 << 20 }).toString();
}

/**
 * The addon, up to date with its sources: the checkout's build when no file of binding.gyp and
 * src/addon/ is newer, else `npm run build -w @xtrace/native` (node-gyp rebuild, as setup.sh
 * does); under a lock, so two releases built at once (the release and image tests) build it once.
 */
function buildAddon(): string {
  const native = join(REPO, 'native');
  const lock = join(REPO, 'node_modules/.cache/xtrace-release-addon.lock');
  mkdirSync(dirname(lock), { recursive: true });
  // node-gyp builds against the installed Node's headers, never a download (as setup.sh does)
  const env = existsSync('/usr/include/node/node_api.h') ? { ...process.env, npm_config_nodedir: '/usr' } : process.env;
  const ifStale = `a=${ADDON}; if [ -f "$a" ] && [ -z "$(find binding.gyp src/addon -type f -newer "$a")" ]; then exit 0; fi; exec npm run build`;
  run('flock', [lock, 'sh', '-c', ifStale], native, env);
  return join(native, ADDON);
}

/**
 * What `npm pack` makes, without its minute of walking 4000 bundled files: a gzipped tar of
 * package/, in name order, owned by root, every file dated as npm dates them (1985-10-26 08:15 UTC),
 * so the same inputs give the same bytes.
 */
function packTarball(parent: string, tarball: string): void {
  const tar = `tar -C "$1" --sort=name --owner=0 --group=0 --numeric-owner --mtime='1985-10-26 08:15:00 UTC' -cf - package | gzip -n > "$2.tmp" && mv "$2.tmp" "$2"`;
  run('bash', ['-c', `set -o pipefail; ${tar}`, 'bash', parent, tarball], REPO);
}

export function buildRelease(outDir: string): string {
  if (process.platform !== 'linux' || process.arch !== 'x64') {
    throw new Error(`a release is built on linux-x64 (the addon is compiled here), not ${process.platform}-${process.arch}`);
  }
  step('BPF objects (make -C bpf)');
  run('make', ['-s', '-C', join(REPO, 'bpf')], REPO);
  step('native addon (native/build, rebuilt when older than its sources)');
  const addonFile = buildAddon();
  // npm's tarball layout: everything under package/
  const stageDir = join(outDir, 'stage', 'package');
  step(`package layout in ${stageDir}`);
  freshDir(stageDir);
  const staged = stagePackage({ repo: REPO, addonFile, stageDir });
  const tarball = join(outDir, `${staged.name}-${staged.version}-${process.platform}-${process.arch}.tgz`);
  step(`${staged.bundled.length} npm packages bundled; ${tarball}`);
  packTarball(dirname(stageDir), tarball);
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
