/**
 * A nats-server child process locked down as docs/nats-security.md deploys it: TLS with a
 * throwaway CA and server certificate made by openssl in a temp dir, JetStream on, and the
 * authorization block `xtrace nats-config` wrote (included from the server's config).
 * Its log is kept, so tests can read the permission violations the server reported.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { freePort, spawnTied } from '@xtrace/proto';
import { NATS_SERVER_BIN } from '../../controller/src/embedded-nats.js';

export interface TestCa {
  dir: string;
  caFile: string;
  certFile: string;
  keyFile: string;
}

/** A CA and a server certificate for 127.0.0.1/localhost signed by it (EC P-256, valid one day). */
export function makeTestCa(dir: string): TestCa {
  const p = (f: string): string => join(dir, f);
  const ossl = (...args: string[]): void => void execFileSync('openssl', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  ossl('req', '-x509', ...ec, '-keyout', p('ca.key'), '-out', p('ca.pem'), '-days', '1', '-subj', '/CN=xtrace test CA');
  ossl('req', ...ec, '-keyout', p('server.key'), '-out', p('server.csr'), '-subj', '/CN=127.0.0.1');
  writeFileSync(p('server.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n');
  ossl('x509', '-req', '-in', p('server.csr'), '-CA', p('ca.pem'), '-CAkey', p('ca.key'), '-CAcreateserial', '-out', p('server.pem'), '-days', '1', '-extfile', p('server.ext'));
  return { dir, caFile: p('ca.pem'), certFile: p('server.pem'), keyFile: p('server.key') };
}

export interface SecureNats {
  url: string;
  ca: TestCa;
  /** what the server logged so far */
  log(): string;
  stop(): Promise<void>;
}

/** Starts nats-server with TLS (certificates in `dir`), JetStream, and `include authFile`. */
export async function startSecureNats(dir: string, authFile: string): Promise<SecureNats> {
  const ca = makeTestCa(dir);
  const port = await freePort();
  const store = mkdtempSync(join(tmpdir(), 'xtrace-secure-nats-'));
  const conf = join(dir, 'nats-server.conf');
  writeFileSync(
    conf,
    [
      `listen: "127.0.0.1:${port}"`,
      `jetstream { store_dir: ${JSON.stringify(store)} }`,
      `tls { cert_file: ${JSON.stringify(ca.certFile)}, key_file: ${JSON.stringify(ca.keyFile)}, timeout: 3 }`,
      // nats-server 2.9 resolves an include relative to the including file's directory, even an absolute path
      `include ${JSON.stringify(relative(dirname(conf), authFile))}`,
      '',
    ].join('\n'),
  );
  const child = spawnTied(NATS_SERVER_BIN, ['-c', conf], { stdio: ['ignore', 'ignore', 'pipe'] });
  let out = '';
  child.stderr?.on('data', (d: Buffer) => void (out += d.toString()));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`nats-server not ready within 10 s: ${out.slice(-800)}`)), 10_000);
    const poll = setInterval(() => {
      if (!out.includes('Server is ready')) return;
      clearInterval(poll);
      clearTimeout(timer);
      resolve();
    }, 20);
    child.once('exit', (code) => {
      clearInterval(poll);
      clearTimeout(timer);
      reject(new Error(`nats-server exited (${code}): ${out.slice(-800)}`));
    });
  });
  return {
    url: `tls://127.0.0.1:${port}`,
    ca,
    log: () => out,
    stop: async () => {
      if (child.exitCode === null) {
        const gone = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await gone;
      }
      rmSync(store, { recursive: true, force: true });
    },
  };
}
