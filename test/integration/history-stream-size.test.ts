/**
 * The history stream's size against a real nats-server whose JetStream file storage is small
 * (max_file_store, as on a small host): a controller with no size given fits the stream to what
 * the server can reserve and says so; a size given that does not fit is refused naming the flag.
 */
import { spawn } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { HISTORY_STREAM, UsageError } from '@xtrace/proto';
import { DEFAULT_HISTORY_MAX_BYTES, HistoryStore, MIN_HISTORY_MAX_BYTES } from '../../controller/src/fleet/history-store.js';
import { XTRACE_BIN, runCli } from '../support/cli.js';
import { waitFor } from '../support/agents.js';
import { startNatsServer, type RestartableNatsServer } from './fleet-nats.js';

const MIB = 1024 ** 2;
let nats: RestartableNatsServer | undefined;
afterEach(async () => {
  await nats?.stop();
  nats = undefined;
});

async function historyError(p: Promise<unknown>): Promise<UsageError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(UsageError);
  return e as UsageError;
}

describe('history stream size on a nats-server with little JetStream storage', () => {
  it('with no size given, halves 1 GiB until the server can reserve it, and reports both sizes', async () => {
    nats = await startNatsServer({ maxFileStoreBytes: 100 * MIB });
    const nc = await nats.connect('ctl');
    try {
      const h = await HistoryStore.open(nc);
      // 1 GiB, 512, 256, 128 MiB do not fit in 100 MiB; 64 MiB does
      expect(h.limits).toEqual({ maxBytes: 64 * MIB, maxAgeMs: 7 * 86_400_000, created: true, sizedDownFrom: DEFAULT_HISTORY_MAX_BYTES });
      const si = await (await nc.jetstreamManager()).streams.info(HISTORY_STREAM);
      expect(si.config.max_bytes).toBe(64 * MIB);
      await h.append({ probeId: 'p1', pair: { src: '192.168.1.10', dst: '192.168.1.20' }, kind: 'summary', at: Date.now(), segments: [] });
      expect(await h.read()).toHaveLength(1);
      // a second controller finds it as it is
      expect((await HistoryStore.open(nc)).limits).toEqual({ maxBytes: 64 * MIB, maxAgeMs: 7 * 86_400_000, created: false });
    } finally {
      await nc.close();
    }
  });

  it('a size given that the server cannot reserve is refused, naming --history-max-bytes and the size', async () => {
    nats = await startNatsServer({ maxFileStoreBytes: 100 * MIB });
    const nc = await nats.connect('ctl');
    try {
      const e = await historyError(HistoryStore.open(nc, { maxBytes: 128 * MIB }));
      expect(e.field).toBe('--history-max-bytes');
      expect(e.message).toMatch(/cannot reserve 128 MiB of JetStream file storage for the history stream XTRACE_HISTORY \(insufficient storage resources/);
      expect((await HistoryStore.open(nc, { maxBytes: 100 * MIB })).limits.maxBytes).toBe(100 * MIB);
    } finally {
      await nc.close();
    }
  });

  it('below the smallest size it sizes itself to, it tells the operator what to change', async () => {
    nats = await startNatsServer({ maxFileStoreBytes: MIN_HISTORY_MAX_BYTES - MIB });
    const nc = await nats.connect('ctl');
    try {
      const e = await historyError(HistoryStore.open(nc));
      expect(e.message).toMatch(/cannot reserve 16 MiB .* nor any size down to 16 MiB: raise the server's jetstream max_file_store .* or run the controller with --no-fleet/);
    } finally {
      await nc.close();
    }
  });

  it('xtrace controller: a bad or unreservable --history-max-bytes exits 2 naming the flag', async () => {
    nats = await startNatsServer({ maxFileStoreBytes: 100 * MIB });
    const bad = await runCli(['controller', '--nats', nats.url, '--listen', '127.0.0.1:0', '--history-max-bytes', '1GiB']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("--history-max-bytes: expected a size such as 256MB or 1GB (units of 1024), got '1GiB'");
    const tooBig = await runCli(['controller', '--nats', nats.url, '--listen', '127.0.0.1:0', '--metrics-listen', 'off', '--history-max-bytes', '512MB']);
    expect(tooBig.code).toBe(2);
    expect(tooBig.stderr).toMatch(/--history-max-bytes: the NATS server cannot reserve 512 MiB/);
    const age = await runCli(['controller', '--nats', nats.url, '--history-max-age', '0s']);
    expect(age.code).toBe(2);
    expect(age.stderr).toContain('--history-max-age: expected a positive duration');
  });

  it('xtrace controller with no size given starts on the small server and warns what it made', async () => {
    nats = await startNatsServer({ maxFileStoreBytes: 100 * MIB });
    const child = spawn(process.execPath, [XTRACE_BIN, 'controller', '--nats', nats.url, '--listen', '127.0.0.1:0', '--metrics-listen', 'off'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    try {
      await waitFor(() => /grpc: /.test(out) || child.exitCode !== null, 30_000, 'the controller to print its addresses');
      expect(out, `controller stderr: ${err}`).toMatch(/grpc: /);
      const warn = err.split('\n').find((l) => l.includes('history stream sized'));
      expect(warn, `controller stderr: ${err}`).toBeDefined();
      expect(JSON.parse(warn!)).toMatchObject({ level: 40, maxBytes: 64 * MIB, msg: 'history stream sized 64 MiB: the NATS server cannot reserve 1024 MiB of JetStream file storage (--history-max-bytes sets the size)' });
    } finally {
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
    }
  });
});
