/**
 * The controller's gRPC security, for real: a throwaway PKI made with openssl, `xtrace
 * controller` processes serving TLS (with client certificates required) and a bearer token, the
 * real CLI as client over a loopback socket; and an in-process controller whose token is
 * checked on every service and call kind (unary and streaming) before any handler runs.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { XtraceError, exitCodeFor } from '@xtrace/proto';
import { startController, type Controller } from '@xtrace/controller';
import { ControllerClient } from '../../cli/src/grpc-client.js';
import { runCli, XTRACE_BIN } from '../support/cli.js';
import { testLogger, waitFor } from '../support/agents.js';
import { makeTestPki, type TestPki } from '../support/test-certs.js';
import { freePort, natsServerForTests } from './fleet-nats.js';

const TOKEN = 's3cret-t0ken';
/** the client environment starts clean: no ambient controller, TLS or token settings */
const CLEAN_ENV = { XTRACE_CONTROLLER: '', XTRACE_TLS_CA: '', XTRACE_TLS_CERT: '', XTRACE_TLS_KEY: '', XTRACE_TOKEN: '', XTRACE_NATS_URL: '' };

const nats = natsServerForTests();
let dir: string;
let pki: TestPki;
let tokenFile: string;

interface ControllerProc {
  child: ChildProcess;
  grpc: string;
  out: () => string;
  err: () => string;
}

async function startControllerProcess(args: string[], env: NodeJS.ProcessEnv = {}): Promise<ControllerProc> {
  const child = spawn(process.execPath, [XTRACE_BIN, 'controller', '--nats', nats.server().url, '--metrics-listen', 'off', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...CLEAN_ENV, ...env },
  });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  await waitFor(() => /grpc: \S+/.test(out) || child.exitCode !== null, 20_000, 'the controller to print its addresses');
  if (child.exitCode !== null) throw new Error(`controller exited ${child.exitCode}: ${err}`);
  return { child, grpc: /grpc: (\S+)/.exec(out)![1]!, out: () => out, err: () => err };
}

async function stop(c: ControllerProc | undefined): Promise<number | null> {
  if (c === undefined || c.child.exitCode !== null) return c?.child.exitCode ?? null;
  const exited = new Promise<number | null>((r) => c.child.once('exit', (code) => r(code)));
  c.child.kill('SIGTERM');
  return exited;
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'xtrace-tls-'));
  pki = makeTestPki(dir);
  tokenFile = join(dir, 'token');
  writeFileSync(tokenFile, `${TOKEN}\n`, { mode: 0o600 });
});
afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('xtrace controller with TLS, client certificates and a token', () => {
  let ctl: ControllerProc | undefined;
  beforeAll(async () => {
    ctl = await startControllerProcess(['--listen', '127.0.0.1:0', '--tls-cert', pki.serverCert, '--tls-key', pki.serverKey, '--tls-client-ca', pki.ca, '--token-file', tokenFile]);
  });
  afterAll(async () => {
    expect(await stop(ctl)).toBe(0);
  });
  const cli = (args: string[], env: NodeJS.ProcessEnv = {}) => runCli([...args, '--controller', ctl!.grpc], { env: { ...CLEAN_ENV, ...env } });
  const cert = (): string[] => ['--tls-ca', pki.ca, '--tls-cert', pki.clientCert, '--tls-key', pki.clientKey];

  it('says how it serves, and never prints the token', () => {
    expect(ctl!.out()).toMatch(/grpc: 127\.0\.0\.1:\d+ \(TLS, client certificates, token\)/);
    expect(ctl!.out() + ctl!.err()).not.toContain(TOKEN);
  });

  it('TLS, a client certificate and the token: the calls of every service work (flags, then environment)', async () => {
    const agents = await cli(['agents', '--json', ...cert(), '--token-file', tokenFile]);
    expect(agents.stderr).toBe('');
    expect(agents.code).toBe(0);
    expect(JSON.parse(agents.stdout)).toEqual({ agents: [] });
    const env = { XTRACE_TLS_CA: pki.ca, XTRACE_TLS_CERT: pki.clientCert, XTRACE_TLS_KEY: pki.clientKey, XTRACE_TOKEN: TOKEN };
    const [schedules, rules, history] = await Promise.all([
      cli(['schedule', 'list', '--json'], env),
      cli(['alert', 'list', '--json', '--token', TOKEN], { ...env, XTRACE_TOKEN: '' }),
      // a streaming call (ListHistory)
      cli(['history', '--pair', '10.0.0.1,10.0.0.2', '--json'], env),
    ]);
    expect(schedules.code, schedules.stderr).toBe(0);
    expect(JSON.parse(schedules.stdout)).toEqual({ schedules: [] });
    expect(rules.code, rules.stderr).toBe(0);
    expect(history.code, history.stderr).toBe(0);
    expect(JSON.parse(history.stdout)).toEqual({ records: [] });
  });

  it('no token: UNAUTHENTICATED, the CLI says which credential is missing and exits 3', async () => {
    const commands = [['agents', '--json'], ['schedule', 'list'], ['alert', 'list'], ['history', '--pair', '10.0.0.1,10.0.0.2']];
    const results = await Promise.all(commands.map((args) => cli([...args, ...cert()])));
    for (const [i, r] of results.entries()) {
      expect(r.code, commands[i]!.join(' ')).toBe(3);
      expect(r.stderr).toMatch(/refused the call \(UNAUTHENTICATED\): no bearer token.*give the token with --token, --token-file or env XTRACE_TOKEN/);
      expect(r.stdout).toBe('');
    }
  });

  it('a wrong token: UNAUTHENTICATED, exit 3, and the token given is not echoed', async () => {
    const r = await cli(['agents', '--json', ...cert(), '--token', 'not-the-token']);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/refused the call \(UNAUTHENTICATED\): wrong bearer token/);
    expect(r.stderr).not.toContain('not-the-token');
    const env = await cli(['pair', '--src', '10.0.0.1', '--dst', '10.0.0.2', ...cert()], { XTRACE_TOKEN: 'also-wrong' });
    expect(env.code).toBe(3);
    expect(env.stderr).toMatch(/UNAUTHENTICATED\): wrong bearer token/);
  });

  it('client certificates required and none given: the handshake fails, the CLI says a client certificate is needed, exit 3', async () => {
    const r = await cli(['agents', '--json', '--tls-ca', pki.ca, '--token-file', tokenFile]);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/requires a client certificate \(mTLS\) and none was given: give --tls-cert FILE --tls-key FILE/);
  });

  it('a client certificate the CA did not sign, a plaintext client, an untrusted server: exit 3 with a hint', async () => {
    const stranger = await cli(['agents', '--tls-ca', pki.ca, '--tls-cert', pki.strangerCert, '--tls-key', pki.strangerKey, '--token-file', tokenFile]);
    expect(stranger.code).toBe(3);
    expect(stranger.stderr).toMatch(/client certificate/);
    const plain = await cli(['agents', '--token-file', tokenFile]);
    expect(plain.code).toBe(3);
    expect(plain.stderr).toMatch(/if it serves TLS, give --tls-ca FILE/);
    const untrusted = await cli(['agents', '--tls-cert', pki.clientCert, '--tls-key', pki.clientKey, '--token-file', tokenFile]);
    expect(untrusted.code).toBe(3);
    expect(untrusted.stderr).toMatch(/presented a certificate this client does not trust.*--tls-ca/);
  });

  it('client flag mistakes are usage errors (exit 2)', async () => {
    const noKey = await cli(['agents', '--tls-ca', pki.ca, '--tls-cert', pki.clientCert]);
    expect(noKey.code).toBe(2);
    expect(noKey.stderr).toMatch(/--tls-cert: needs --tls-key FILE/);
    const missing = await cli(['agents', '--tls-ca', join(dir, 'nope.crt')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/--tls-ca: cannot read/);
  });
});

describe('xtrace controller listening beyond loopback', () => {
  it('refuses plaintext before starting anything: exit 2, naming --listen and the fix', async () => {
    const port = await freePort();
    const r = await runCli(['controller', '--nats', nats.server().url, '--metrics-listen', 'off', '--listen', `0.0.0.0:${port}`], { env: CLEAN_ENV });
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^xtrace: --listen: 0\.0\.0\.0:\d+ is beyond loopback and the gRPC API would be plaintext/);
    expect(r.stderr).toMatch(/--tls-cert FILE --tls-key FILE/);
    expect(r.stderr).toMatch(/--insecure/);
  });

  it('TLS flag mistakes are usage errors (exit 2) before anything starts', async () => {
    const base = ['controller', '--nats', nats.server().url, '--metrics-listen', 'off', '--listen', '127.0.0.1:0'];
    const mismatch = await runCli([...base, '--tls-cert', pki.serverCert, '--tls-key', pki.clientKey], { env: CLEAN_ENV });
    expect(mismatch.code).toBe(2);
    expect(mismatch.stdout).toBe('');
    expect(mismatch.stderr).toMatch(/--tls-cert: .* are not a PEM certificate and its private key/);
    const caAlone = await runCli([...base, '--tls-client-ca', pki.ca], { env: CLEAN_ENV });
    expect(caAlone.code).toBe(2);
    expect(caAlone.stderr).toMatch(/--tls-client-ca: needs --tls-cert FILE --tls-key FILE/);
  });

  it('with --insecure it starts (and warns)', async () => {
    const port = await freePort();
    const c = await startControllerProcess(['--listen', `0.0.0.0:${port}`, '--insecure']);
    try {
      expect(c.grpc).toBe(`0.0.0.0:${port}`);
      expect(c.out()).toMatch(/\(plaintext\)/);
      await waitFor(() => /plaintext beyond loopback/.test(c.err()), 5000, 'the warning');
      const r = await runCli(['agents', '--json', '--controller', `127.0.0.1:${port}`], { env: CLEAN_ENV });
      expect(r.code, r.stderr).toBe(0);
    } finally {
      expect(await stop(c)).toBe(0);
    }
  });

  it('with TLS it starts', async () => {
    const port = await freePort();
    const c = await startControllerProcess(['--listen', `0.0.0.0:${port}`, '--tls-cert', pki.serverCert, '--tls-key', pki.serverKey]);
    try {
      expect(c.out()).toMatch(/\(TLS\)/);
      const r = await runCli(['agents', '--json', '--controller', `localhost:${port}`, '--tls-ca', pki.ca], { env: CLEAN_ENV });
      expect(r.code, r.stderr).toBe(0);
    } finally {
      expect(await stop(c)).toBe(0);
    }
  });
});

describe('the token is checked on every service and call kind, before any handler runs', () => {
  let ctl: Controller;
  beforeAll(async () => {
    ctl = await startController({ nats: { url: nats.server().url }, listen: '127.0.0.1:0', logger: testLogger(), grpcSecurity: { token: TOKEN } });
  });
  afterAll(async () => {
    await ctl?.close();
  });

  const streamError = (c: ControllerClient, method: 'WatchProbe' | 'RunPairProbe' | 'ListHistory' | 'WatchHistory', req: object): Promise<XtraceError> =>
    new Promise((resolve, reject) => {
      const s = c.stream(method, req as never, 5000);
      s.on('data', () => reject(new Error(`${method} streamed data without a token`)));
      s.on('error', (e: unknown) => resolve(c.error(e)));
      s.on('end', () => reject(new Error(`${method} ended without an error`)));
    });

  it('without it: UNAUTHENTICATED on Xtrace, Schedules and AlertRules, unary and streaming; no probe starts', async () => {
    const x = new ControllerClient(ctl.grpcAddress);
    const s = new ControllerClient(ctl.grpcAddress, 'Schedules');
    const a = new ControllerClient(ctl.grpcAddress, 'AlertRules');
    try {
      const pairReq = { src: '10.0.0.1', dst: '10.0.0.2', proto: '', port: 0, duration_ms: 1000, interval_ms: 1000, sample_k: 0, sample_n: 0, keep_on_disconnect: false };
      const errors = await Promise.all([
        x.unary('ListAgents', {}).catch((e: unknown) => e),
        x.unary('StartPairProbe', pairReq).catch((e: unknown) => e),
        s.unary('ListSchedules', {}).catch((e: unknown) => e),
        a.unary('ListAlertRules', {}).catch((e: unknown) => e),
        streamError(x, 'RunPairProbe', pairReq),
        streamError(x, 'WatchHistory', { src: '10.0.0.1', dst: '10.0.0.2', probe_id: '', since_ms: 0, until_ms: 0, limit: 0 }),
      ]);
      for (const e of errors) {
        expect(e).toBeInstanceOf(XtraceError);
        expect((e as XtraceError).code).toBe('unauthenticated');
        expect(exitCodeFor(e)).toBe(3);
        expect(((e as XtraceError).cause as grpc.ServiceError).code).toBe(grpc.status.UNAUTHENTICATED);
      }
      expect(ctl.probes.list()).toEqual([]);
    } finally {
      for (const c of [x, s, a]) c.close();
    }
  });

  it('with it: the same services answer', async () => {
    const x = new ControllerClient(ctl.grpcAddress, 'Xtrace', { token: TOKEN });
    const s = new ControllerClient(ctl.grpcAddress, 'Schedules', { token: TOKEN });
    try {
      expect(await x.unary('ListAgents', {})).toEqual({ agents: [] });
      expect(await s.unary('ListSchedules', {})).toEqual({ schedules: [] });
    } finally {
      x.close();
      s.close();
    }
  });
});
