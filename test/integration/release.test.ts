/**
 * The release an operator installs (issue 19): `npm run release`'s artifact, installed with
 * `npm install -g` in a clean Debian 12 root filesystem that has Node and the runtime libraries
 * only (deploy/debian-rootfs.sh: mmdebstrap, no compiler, no libbpf-dev; cached, so only a first
 * run pays for it) and no registry, runs `xtrace agent --help` and `xtrace trace` on a veth pair
 * between two namespaces this test makes, and sees the ping it sends at the NIC.
 *
 * `xtrace trace` runs chrooted in that tree with /proc, /sys, /sys/fs/bpf, tracefs and /dev
 * mounted in a mount namespace of its own (unshare), so the mounts die with it; afterAll still
 * unmounts anything under the tree before removing it.
 */
import { execFile, spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bpfUnavailableReason } from '../../bpf/test/test-run-harness.js';
import { TraceProcess } from '../support/trace-process.js';
import { expectPingAtNic } from '../support/ping-at-nic.js';

const run = promisify(execFile);
const REPO = join(import.meta.dirname, '../..');

function skipReason(): string | undefined {
  const bpf = bpfUnavailableReason();
  if (bpf) return bpf;
  const missing = ['mmdebstrap', 'unshare', 'chroot'].filter((c) => !['/usr/bin', '/usr/sbin', '/bin', '/sbin'].some((d) => existsSync(join(d, c))));
  if (missing.length === 0) return undefined;
  const reason = `${missing.join(', ')} not installed (./setup.sh installs them)`;
  if (process.env['CI'] === 'true') throw new Error(`${reason}: CI must run the release test`);
  return reason;
}
const skip = skipReason();

/** a clean host's environment: nothing of this machine's (no npm cache, no registry reachable) */
const CHROOT_ENV = {
  PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
  HOME: '/root',
  LANG: 'C.UTF-8',
  npm_config_registry: 'http://127.0.0.1:9/',
  npm_config_update_notifier: 'false',
};

/** Mounts under `root` in this (the host's) mount namespace, deepest first. */
function mountsUnder(root: string): string[] {
  return readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .map((l) => l.split(' ')[4] ?? '')
    .filter((m) => m === root || m.startsWith(`${root}/`))
    .sort((a, b) => b.length - a.length);
}

const MOUNT_AND_CHROOT = `set -eu
R=$1; shift
mount -t proc proc "$R/proc"
mount -t sysfs sysfs "$R/sys"
mount -t bpf bpf "$R/sys/fs/bpf"
mount -t tracefs tracefs "$R/sys/kernel/tracing"
mount --bind /dev "$R/dev"
exec chroot "$R" "$@"`;

describe.skipIf(skip !== undefined)(`release artifact in a clean Debian root${skip ? ` (skipped: ${skip})` : ''}`, () => {
  const work = mkdtempSync(join(tmpdir(), 'xtrace-release-'));
  const root = join(work, 'root');
  const tag = `xrel${process.pid % 100000}`;
  const nsA = `${tag}-a`;
  const nsB = `${tag}-b`;
  const [ipA, ipB] = ['10.231.77.1', '10.231.77.2'];
  let tarball = '';
  const timings: Record<string, number> = {};
  let trace: TraceProcess | undefined;

  const timed = async <T>(what: string, fn: () => Promise<T>): Promise<T> => {
    const t0 = performance.now();
    try {
      return await fn();
    } finally {
      timings[what] = Math.round(performance.now() - t0);
    }
  };
  const inRoot = (argv: string[]) => run('chroot', [root, ...argv], { env: CHROOT_ENV, maxBuffer: 16 << 20 });

  beforeAll(async () => {
    // the rootfs: cached after the first run (mmdebstrap takes minutes then)
    const rootfsTar = await timed('rootfs', async () => (await run(join(REPO, 'deploy/debian-rootfs.sh'), [], { maxBuffer: 1 << 20 })).stdout.trim());
    // the artifact, as `npm run release` makes it (the TypeScript is compiled: npm test ran tsc -b)
    tarball = await timed('release', async () => {
      const out = await run(process.execPath, ['--import', 'tsx', join(REPO, 'scripts/release/build-release.ts'), '--out', join(work, 'out')], { cwd: REPO, maxBuffer: 16 << 20 });
      return out.stdout.trim().split('\n').at(-1)!;
    });
    await timed('extract', () => run('tar', ['-C', (mkdirSync(root), root), '-xf', rootfsTar]));
    cpSync(tarball, join(root, 'tmp/xtrace.tgz'));
    await timed('npm install -g', () => inRoot(['npm', 'install', '-g', '--offline', '--no-audit', '--no-fund', '/tmp/xtrace.tgz']));

    await run('ip', ['netns', 'add', nsA]);
    await run('ip', ['netns', 'add', nsB]);
    await run('ip', ['-n', nsA, 'link', 'add', 'xrA', 'type', 'veth', 'peer', 'name', 'xrB', 'netns', nsB]);
    for (const [ns, dev, ip] of [[nsA, 'xrA', ipA], [nsB, 'xrB', ipB]] as const) {
      await run('ip', ['-n', ns, 'addr', 'add', `${ip}/24`, 'dev', dev]);
      await run('ip', ['-n', ns, 'link', 'set', dev, 'up']);
      await run('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
    }
  }, 15 * 60_000);

  afterAll(async () => {
    await trace?.kill();
    for (const ns of [nsA, nsB]) await run('ip', ['netns', 'del', ns]).catch(() => undefined);
    // nothing should be mounted here (the trace's mounts lived in its own mount namespace); if
    // anything is, it is unmounted before the tree goes, and rm stays on this file system anyway
    for (const m of mountsUnder(root)) await run('umount', ['-l', m]).catch(() => undefined);
    if (mountsUnder(root).length === 0) await run('rm', ['-rf', '--one-file-system', work]);
    else rmSync(join(work, 'out'), { recursive: true, force: true });
    process.stderr.write(`release test timings (ms): ${JSON.stringify(timings)}\n`);
  });

  it('the artifact is one tarball with the compiled packages, the BPF object and the prebuilt addon', async () => {
    expect(tarball).toMatch(/\/xtrace-\d+\.\d+\.\d+-linux-x64\.tgz$/);
    const files = (await run('tar', ['-tzf', tarball], { maxBuffer: 16 << 20 })).stdout.split('\n');
    for (const f of [
      'package/package.json',
      'package/node_modules/@xtrace/cli/bin/xtrace.js',
      'package/node_modules/@xtrace/cli/dist/main.js',
      'package/node_modules/@xtrace/node-agent/dist/tracing/tracer.js',
      'package/node_modules/@xtrace/controller/dist/index.js',
      'package/node_modules/@xtrace/proto/xtrace.proto',
      'package/node_modules/@xtrace/bpf/build/xtrace.bpf.o',
      'package/node_modules/@xtrace/native/prebuilds/linux-x64/xtrace_native.node',
      'package/node_modules/nats/package.json',
      'package/node_modules/@grpc/grpc-js/package.json',
    ]) {
      expect(files, f).toContain(f);
    }
    // no TypeScript sources, no checkout build, no build-time packages
    expect(files.filter((f) => f.startsWith('package/node_modules/@xtrace/') && /\.ts$|\/src\/|\/build\/Release\//.test(f))).toEqual([]);
    expect(files.filter((f) => /^package\/node_modules\/(node-addon-api|node-gyp|typescript|vitest|tsx|@xtrace\/lab)\//.test(f))).toEqual([]);
  });

  it('the root has Node >= 20 and no compiler or libbpf-dev; the install needed no registry', async () => {
    const node = (await inRoot(['node', '-p', 'process.versions.node'])).stdout.trim();
    expect(Number(node.split('.')[0])).toBeGreaterThanOrEqual(20);
    const tools = await inRoot(['sh', '-c', 'for t in cc gcc g++ clang make node-gyp; do command -v $t || true; done']);
    expect(tools.stdout.trim()).toBe('');
    expect(existsSync(join(root, 'usr/include/bpf/libbpf.h'))).toBe(false);
    const dev = await inRoot(['dpkg-query', '-W', '-f', '${Status}\n', 'libbpf-dev']).then((r) => r.stdout, () => 'not installed');
    expect(dev).not.toContain('install ok installed');
    // installed from the tarball alone (npm ran --offline with a dead registry), addon prebuilt
    const pkg = join(root, 'usr/lib/node_modules/xtrace/node_modules/@xtrace/native');
    expect(existsSync(join(pkg, 'prebuilds/linux-x64/xtrace_native.node'))).toBe(true);
    expect(existsSync(join(pkg, 'build'))).toBe(false);
    expect(existsSync(join(root, 'usr/bin/xtrace'))).toBe(true);
  });

  it('xtrace agent --help runs', async () => {
    const { stdout } = await inRoot(['xtrace', 'agent', '--help']);
    expect(stdout).toMatch(/^Usage: xtrace agent/m);
    expect(stdout).toContain('--nats');
  });

  it('xtrace trace in the root sees a ping on a veth pair at nic_tx and nic_rx', async () => {
    const child = spawn(
      'ip',
      ['netns', 'exec', nsA, 'unshare', '--mount', '--propagation', 'private', 'sh', '-c', MOUNT_AND_CHROOT, 'sh', root,
        'xtrace', 'trace', '--src', ipA, '--dst', ipB, '--proto', 'icmp', '--nic', 'xrA'],
      { env: CHROOT_ENV, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    trace = new TraceProcess(child);
    const inventory = await trace.ready();
    const nic = inventory.stages.filter((s) => s.stage === 'nic_tx' || s.stage === 'nic_rx');
    expect(nic.map((s) => [s.stage, s.attached])).toEqual([['nic_tx', true], ['nic_rx', true]]);
    expect(mountsUnder(root), 'the mounts stay in the trace process').toEqual([]);

    await expectPingAtNic(trace, nsA, ipB);
    expect(trace.summary?.records).toBe(trace.records.length);
    trace = undefined;
  }, 120_000);
});
