/** Files named by flags (certificates, keys, tokens), read with the flag named when they cannot be. */
import { readFileSync } from 'node:fs';
import { createSecureContext } from 'node:tls';
import { UsageError, errorMessage } from '@xtrace/proto';

export function readFlagFile(path: string, flag: string): Buffer {
  if (path === '') throw new UsageError(flag, 'expected a file name, got an empty one');
  try {
    return readFileSync(path);
  } catch (e: unknown) {
    throw new UsageError(flag, `cannot read '${path}': ${errorMessage(e)}`, { cause: e });
  }
}

/** A token from a file (surrounding whitespace, the final newline, dropped); never echoes it. */
export function readTokenFile(path: string, flag: string): string {
  return checkToken(readFlagFile(path, flag).toString('utf8').trim(), flag);
}

/** A bearer token as given: printable, no whitespace (it travels in a gRPC header). */
export function checkToken(token: string, flag: string): string {
  if (token === '') throw new UsageError(flag, 'the token is empty');
  if (!/^[\x21-\x7e]+$/.test(token)) throw new UsageError(flag, 'the token must be printable ASCII without spaces');
  return token;
}

/** A PEM CA bundle: at least one certificate (TLS would take anything else as no CA at all). */
export function readCaFile(path: string, flag: string): Buffer {
  const ca = readFlagFile(path, flag);
  if (!ca.includes('-----BEGIN CERTIFICATE-----')) throw new UsageError(flag, `'${path}' holds no PEM certificate (-----BEGIN CERTIFICATE-----)`);
  return ca;
}

/** A PEM certificate (chain) and its private key, checked to be a pair. */
export function readCertKeyPair(certPath: string, keyPath: string, certFlag: string, keyFlag: string): { cert: Buffer; key: Buffer } {
  const cert = readFlagFile(certPath, certFlag);
  const key = readFlagFile(keyPath, keyFlag);
  try {
    createSecureContext({ cert, key });
  } catch (e: unknown) {
    throw new UsageError(certFlag, `'${certPath}' and ${keyFlag} '${keyPath}' are not a PEM certificate and its private key: ${errorMessage(e)}`, { cause: e });
  }
  return { cert, key };
}
