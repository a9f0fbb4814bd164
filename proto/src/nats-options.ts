/**
 * NATS connection options shared by agent, controller and CLI: one list of flags and
 * environment variables, one way to turn them into a connection.
 */
import { readFileSync } from 'node:fs';
import { connect, credsAuthenticator, nkeyAuthenticator, type ConnectionOptions, type NatsConnection } from 'nats';
import { UnreachableError, UsageError, errorMessage } from './errors.js';
import { nkeyFromSeed } from './nats-server-auth-config.js';

export interface NatsSettings {
  url?: string;
  creds?: string;
  /** file holding an NKey user seed (`xtrace nats-config` writes one per agent and controller) */
  nkey?: string;
  user?: string;
  pass?: string;
  token?: string;
  tlsCa?: string;
  tlsCert?: string;
  tlsKey?: string;
}

interface NatsOptionSpec {
  key: keyof NatsSettings;
  /** commander flag syntax */
  flag: string;
  env: string;
  description: string;
}

export const NATS_OPTION_SPECS: readonly NatsOptionSpec[] = [
  { key: 'url', flag: '--nats <url>', env: 'XTRACE_NATS_URL', description: 'NATS server URL(s), comma separated (nats://host:4222)' },
  { key: 'creds', flag: '--nats-creds <file>', env: 'XTRACE_NATS_CREDS', description: 'NATS credentials file (JWT + NKey)' },
  { key: 'nkey', flag: '--nats-nkey <file>', env: 'XTRACE_NATS_NKEY', description: 'NATS NKey seed file (xtrace nats-config writes one per agent and controller)' },
  { key: 'user', flag: '--nats-user <user>', env: 'XTRACE_NATS_USER', description: 'NATS user name' },
  { key: 'pass', flag: '--nats-pass <password>', env: 'XTRACE_NATS_PASS', description: 'NATS password' },
  { key: 'token', flag: '--nats-token <token>', env: 'XTRACE_NATS_TOKEN', description: 'NATS authentication token' },
  { key: 'tlsCa', flag: '--nats-tls-ca <file>', env: 'XTRACE_NATS_TLS_CA', description: 'CA certificate to verify the NATS server' },
  { key: 'tlsCert', flag: '--nats-tls-cert <file>', env: 'XTRACE_NATS_TLS_CERT', description: 'client certificate for NATS TLS' },
  { key: 'tlsKey', flag: '--nats-tls-key <file>', env: 'XTRACE_NATS_TLS_KEY', description: 'client key for NATS TLS' },
];

/** Flags win over environment variables. `flags` uses the NatsSettings keys (commander camelCases --nats-tls-ca to natsTlsCa; both are accepted). */
export function resolveNatsSettings(flags: Record<string, unknown>, env: NodeJS.ProcessEnv = process.env): NatsSettings {
  const out: NatsSettings = {};
  for (const spec of NATS_OPTION_SPECS) {
    const camel = spec.key === 'url' ? 'nats' : `nats${spec.key[0]!.toUpperCase()}${spec.key.slice(1)}`;
    const v = flags[camel] ?? flags[spec.key] ?? env[spec.env];
    if (typeof v === 'string' && v.length > 0) out[spec.key] = v;
  }
  validateNatsSettings(out);
  return out;
}

function validateNatsSettings(s: NatsSettings): void {
  if (s.url !== undefined) {
    for (const u of s.url.split(',')) {
      if (!/^(nats|tls|ws|wss):\/\/[^\s/]+\/?$|^[^\s:/]+:\d+$/.test(u.trim())) {
        throw new UsageError('--nats', `expected a URL like nats://127.0.0.1:4222, got '${u}'`);
      }
    }
  }
  if ((s.user === undefined) !== (s.pass === undefined)) {
    throw new UsageError(s.user === undefined ? '--nats-user' : '--nats-pass', '--nats-user and --nats-pass go together');
  }
  if (s.creds !== undefined && s.nkey !== undefined) {
    throw new UsageError('--nats-nkey', '--nats-nkey and --nats-creds are two ways to authenticate: give one');
  }
  if ((s.tlsCert === undefined) !== (s.tlsKey === undefined)) {
    throw new UsageError(s.tlsCert === undefined ? '--nats-tls-cert' : '--nats-tls-key', '--nats-tls-cert and --nats-tls-key go together');
  }
}

function readFlagFile(path: string, flag: string): Uint8Array {
  try {
    return readFileSync(path);
  } catch (e: unknown) {
    throw new UsageError(flag, `cannot read '${path}': ${errorMessage(e)}`, { cause: e });
  }
}

export function toConnectionOptions(s: NatsSettings, name: string): ConnectionOptions {
  const opts: ConnectionOptions = {
    servers: (s.url ?? 'nats://127.0.0.1:4222').split(',').map((u) => u.trim()),
    name,
    maxReconnectAttempts: -1,
    reconnectTimeWait: 500,
    timeout: 3000,
    pingInterval: 10_000,
  };
  if (s.creds !== undefined) opts.authenticator = credsAuthenticator(readFlagFile(s.creds, '--nats-creds'));
  if (s.nkey !== undefined) {
    const { seed } = nkeyFromSeed(new TextDecoder().decode(readFlagFile(s.nkey, '--nats-nkey')), s.nkey);
    opts.authenticator = nkeyAuthenticator(new TextEncoder().encode(seed));
  }
  if (s.user !== undefined) {
    opts.user = s.user;
    opts.pass = s.pass;
  }
  if (s.token !== undefined) opts.token = s.token;
  if (s.tlsCa !== undefined || s.tlsCert !== undefined) {
    readFlagFile(s.tlsCa ?? s.tlsCert!, s.tlsCa !== undefined ? '--nats-tls-ca' : '--nats-tls-cert');
    opts.tls = {};
    if (s.tlsCa !== undefined) opts.tls.caFile = s.tlsCa;
    if (s.tlsCert !== undefined) {
      opts.tls.certFile = s.tlsCert;
      opts.tls.keyFile = s.tlsKey;
    }
  }
  return opts;
}

/** Connects or throws UnreachableError naming the servers. */
export async function connectNats(s: NatsSettings, name: string, overrides: Partial<ConnectionOptions> = {}): Promise<NatsConnection> {
  const opts = { ...toConnectionOptions(s, name), ...overrides };
  try {
    return await connect(opts);
  } catch (e: unknown) {
    const servers = Array.isArray(opts.servers) ? opts.servers.join(',') : String(opts.servers);
    throw new UnreachableError(`cannot connect to NATS at ${servers}: ${errorMessage(e)}`, { cause: e });
  }
}
