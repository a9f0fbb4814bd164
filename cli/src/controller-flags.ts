/**
 * The flags of every command that talks to the controller (pair, agents, probes, schedule,
 * alert, history): where it is (--controller) and how to meet it (--tls-ca, --tls-cert,
 * --tls-key, --token, --token-file), each with its environment default. The token is never
 * printed: not in help defaults, not in errors.
 */
import type { Command } from 'commander';
import { UsageError } from '@xtrace/proto';
import type { XtraceServiceName } from '@xtrace/proto/grpc';
import { checkToken, readCaFile, readCertKeyPair, readTokenFile } from './flag-file.js';
import { ControllerClient, controllerAddress, type ClientSecurity } from './grpc-client.js';

export interface ControllerFlags {
  controller?: unknown;
  tlsCa?: unknown;
  tlsCert?: unknown;
  tlsKey?: unknown;
  token?: unknown;
  tokenFile?: unknown;
}

/** Adds --controller and the TLS and token flags to a command. */
export function addControllerOptions(cmd: Command): Command {
  return cmd
    .option('--controller <host:port>', 'controller gRPC address [env XTRACE_CONTROLLER, default 127.0.0.1:7070]')
    .option('--tls-ca <file>', "talk TLS, trusting the controller's certificate if this PEM CA signed it [env XTRACE_TLS_CA]")
    .option('--tls-cert <file>', 'client certificate (PEM) for a controller that requires one (mTLS; implies TLS) [env XTRACE_TLS_CERT]')
    .option('--tls-key <file>', 'private key (PEM) of --tls-cert [env XTRACE_TLS_KEY]')
    .option('--token <token>', 'bearer token the controller requires [env XTRACE_TOKEN; prefer it or --token-file: command lines are visible to other users]')
    .option('--token-file <file>', 'read the bearer token from this file');
}

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

/** TLS and token from the flags, else from XTRACE_TLS_CA, XTRACE_TLS_CERT, XTRACE_TLS_KEY, XTRACE_TOKEN. */
export function clientSecurity(f: ControllerFlags, env: NodeJS.ProcessEnv = process.env): ClientSecurity {
  // the value and where it came from (named in errors)
  const pick = (flag: unknown, name: string): { value: string; from: string } | undefined => {
    const v = str(flag);
    if (v !== undefined) return { value: v, from: `--${name}` };
    const envName = `XTRACE_${name.toUpperCase().replace(/-/g, '_')}`;
    const e = env[envName];
    return e !== undefined && e !== '' ? { value: e, from: envName } : undefined;
  };
  const security: ClientSecurity = {};
  const ca = pick(f.tlsCa, 'tls-ca');
  const cert = pick(f.tlsCert, 'tls-cert');
  const key = pick(f.tlsKey, 'tls-key');
  if (cert !== undefined && key === undefined) throw new UsageError(cert.from, 'needs --tls-key FILE (or env XTRACE_TLS_KEY): the private key of the client certificate');
  if (key !== undefined && cert === undefined) throw new UsageError(key.from, 'needs --tls-cert FILE (or env XTRACE_TLS_CERT): the client certificate of this key');
  if (ca !== undefined || cert !== undefined) {
    security.tls = {};
    if (ca !== undefined) security.tls.ca = readCaFile(ca.value, ca.from);
    if (cert !== undefined && key !== undefined) Object.assign(security.tls, readCertKeyPair(cert.value, key.value, cert.from, key.from));
  }
  const token = str(f.token);
  const tokenFile = str(f.tokenFile);
  if (token !== undefined && tokenFile !== undefined) throw new UsageError('--token', 'give either --token or --token-file, not both');
  if (token !== undefined) security.token = checkToken(token, '--token');
  else if (tokenFile !== undefined) security.token = readTokenFile(tokenFile, '--token-file');
  else if (env.XTRACE_TOKEN !== undefined && env.XTRACE_TOKEN !== '') security.token = checkToken(env.XTRACE_TOKEN, 'XTRACE_TOKEN');
  return security;
}

/** A client of one of the controller's services, as the command's flags and environment say. */
export function controllerClient<S extends XtraceServiceName = 'Xtrace'>(f: ControllerFlags, service?: S, env: NodeJS.ProcessEnv = process.env): ControllerClient<S> {
  const address = controllerAddress(str(f.controller), env);
  return new ControllerClient<S>(address, service, clientSecurity(f, env));
}
