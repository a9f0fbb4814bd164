import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { UsageError } from '@xtrace/proto';
import { clientSecurity } from './controller-flags.js';

const dir = mkdtempSync(join(tmpdir(), 'xtrace-flags-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const file = (name: string, text: string): string => {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
};

describe('clientSecurity', () => {
  it('nothing given: plaintext, no token', () => {
    expect(clientSecurity({}, {})).toEqual({});
  });

  it('flags first, then XTRACE_TLS_* and XTRACE_TOKEN', () => {
    const ca = file('ca.pem', 'CA');
    const cert = file('c.pem', 'CERT');
    const key = file('k.pem', 'KEY');
    expect(clientSecurity({ tlsCa: ca, token: 'tok' }, { XTRACE_TOKEN: 'env' })).toEqual({ tls: { ca: Buffer.from('CA') }, token: 'tok' });
    expect(clientSecurity({}, { XTRACE_TLS_CA: ca, XTRACE_TLS_CERT: cert, XTRACE_TLS_KEY: key, XTRACE_TOKEN: 'env' })).toEqual({
      tls: { ca: Buffer.from('CA'), cert: Buffer.from('CERT'), key: Buffer.from('KEY') },
      token: 'env',
    });
    // a client certificate alone: TLS with the system's CAs
    expect(clientSecurity({ tlsCert: cert, tlsKey: key }, {})).toEqual({ tls: { cert: Buffer.from('CERT'), key: Buffer.from('KEY') } });
    expect(clientSecurity({ tokenFile: file('t', '  tok-from-file\n') }, { XTRACE_TOKEN: 'env' })).toEqual({ token: 'tok-from-file' });
  });

  it('mistakes are usage errors naming the flag or variable, never the token', () => {
    const cert = file('c2.pem', 'CERT');
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
    expect(field(() => clientSecurity({ tlsCert: cert }, {}))).toBe('--tls-cert');
    expect(field(() => clientSecurity({}, { XTRACE_TLS_KEY: cert }))).toBe('XTRACE_TLS_KEY');
    expect(field(() => clientSecurity({ tlsCa: join(dir, 'missing') }, {}))).toBe('--tls-ca');
    expect(field(() => clientSecurity({ token: 'a', tokenFile: cert }, {}))).toBe('--token');
    expect(field(() => clientSecurity({ token: 'hunter 2' }, {}))).toBe('--token');
    expect(field(() => clientSecurity({ tokenFile: file('empty', '\n') }, {}))).toBe('--token-file');
  });
});
