import * as grpc from '@grpc/grpc-js';
import { describe, expect, it } from 'vitest';
import { UsageError } from '@xtrace/proto';
import { checkListenSecurity, describeSecurity, isLoopbackHost } from './grpc-security.js';
import { TOKEN_MISSING, TOKEN_WRONG, tokenProblem } from './grpc-token-auth.js';

describe('checkListenSecurity', () => {
  it('knows loopback', () => {
    for (const h of ['127.0.0.1', '127.1.2.3', 'localhost', '[::1]', '::1', '::ffff:127.0.0.1']) expect(isLoopbackHost(h), h).toBe(true);
    for (const h of ['0.0.0.0', '10.0.0.5', '[::]', '::', 'ctl.example', '128.0.0.1']) expect(isLoopbackHost(h), h).toBe(false);
  });

  it('refuses plaintext beyond loopback unless insecure, naming --listen and the fix', () => {
    expect(() => checkListenSecurity('0.0.0.0:7070', {})).toThrow(UsageError);
    try {
      checkListenSecurity('[::]:7070', { token: 't' });
      expect.unreachable();
    } catch (e: unknown) {
      expect((e as UsageError).field).toBe('--listen');
      expect((e as UsageError).message).toMatch(/--tls-cert FILE --tls-key FILE.*--insecure/);
    }
    expect(() => checkListenSecurity('0.0.0.0:7070', { insecure: true })).not.toThrow();
    expect(() => checkListenSecurity('0.0.0.0:7070', { tls: { cert: Buffer.from(''), key: Buffer.from('') } })).not.toThrow();
    expect(() => checkListenSecurity('127.0.0.1:7070', {})).not.toThrow();
  });

  it('describes the mode without the token', () => {
    expect(describeSecurity({})).toBe('plaintext');
    expect(describeSecurity({ token: 'secret' })).toBe('plaintext, token');
    expect(describeSecurity({ tls: { cert: Buffer.from(''), key: Buffer.from(''), clientCa: Buffer.from('') }, token: 'secret' })).toBe('TLS, client certificates, token');
  });
});

describe('tokenProblem', () => {
  const md = (v?: string): grpc.Metadata => {
    const m = new grpc.Metadata();
    if (v !== undefined) m.set('authorization', v);
    return m;
  };
  it('accepts the bearer token only', () => {
    expect(tokenProblem(md('Bearer abc'), 'abc')).toBeUndefined();
    expect(tokenProblem(md('bearer abc'), 'abc')).toBeUndefined();
    expect(tokenProblem(md(), 'abc')).toBe(TOKEN_MISSING);
    expect(tokenProblem(md('Basic abc'), 'abc')).toBe(TOKEN_MISSING);
    expect(tokenProblem(md('Bearer abd'), 'abc')).toBe(TOKEN_WRONG);
    expect(tokenProblem(md('Bearer abcd'), 'abc')).toBe(TOKEN_WRONG);
  });
});
