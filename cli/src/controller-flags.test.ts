import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UsageError } from '@xtrace/proto';
import { makeTestPki, type TestPki } from '../../test/support/test-certs.js';
import { clientSecurity } from './controller-flags.js';

let dir: string;
let pki: TestPki;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'xtrace-flags-'));
  pki = makeTestPki(dir);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const file = (name: string, text: string): string => {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
};
const pem = (p: string): Buffer => readFileSync(p);

describe('clientSecurity', () => {
  it('nothing given: plaintext, no token', () => {
    expect(clientSecurity({}, {})).toEqual({});
  });

  it('flags first, then XTRACE_TLS_* and XTRACE_TOKEN', () => {
    expect(clientSecurity({ tlsCa: pki.ca, token: 'tok' }, { XTRACE_TOKEN: 'env', XTRACE_TLS_CA: pki.serverCert })).toEqual({ tls: { ca: pem(pki.ca) }, token: 'tok' });
    expect(clientSecurity({}, { XTRACE_TLS_CA: pki.ca, XTRACE_TLS_CERT: pki.clientCert, XTRACE_TLS_KEY: pki.clientKey, XTRACE_TOKEN: 'env' })).toEqual({
      tls: { ca: pem(pki.ca), cert: pem(pki.clientCert), key: pem(pki.clientKey) },
      token: 'env',
    });
    // a client certificate alone: TLS with the system's CAs
    expect(clientSecurity({ tlsCert: pki.clientCert, tlsKey: pki.clientKey }, {})).toEqual({ tls: { cert: pem(pki.clientCert), key: pem(pki.clientKey) } });
    expect(clientSecurity({ tokenFile: file('t', '  tok-from-file\n') }, { XTRACE_TOKEN: 'env' })).toEqual({ token: 'tok-from-file' });
  });

  it('mistakes are usage errors naming the flag or variable, never the token', () => {
    const field = (f: () => unknown): string => {
      try {
        f();
      } catch (e: unknown) {
        expect(e).toBeInstanceOf(UsageError);
        expect((e as Error).message).not.toContain('hunter 2');
        return (e as UsageError).field;
      }
      throw new Error('no error');
    };
    expect(field(() => clientSecurity({ tlsCert: pki.clientCert }, {}))).toBe('--tls-cert');
    expect(field(() => clientSecurity({}, { XTRACE_TLS_KEY: pki.clientKey }))).toBe('XTRACE_TLS_KEY');
    expect(field(() => clientSecurity({ tlsCa: join(dir, 'missing') }, {}))).toBe('--tls-ca');
    expect(field(() => clientSecurity({ tlsCa: pki.clientKey }, {}))).toBe('--tls-ca');
    expect(field(() => clientSecurity({ tlsCert: pki.clientCert, tlsKey: pki.serverKey }, {}))).toBe('--tls-cert');
    expect(field(() => clientSecurity({ token: 'a', tokenFile: pki.ca }, {}))).toBe('--token');
    expect(field(() => clientSecurity({ token: 'hunter 2' }, {}))).toBe('--token');
    expect(field(() => clientSecurity({ tokenFile: file('empty', '\n') }, {}))).toBe('--token-file');
  });
});
