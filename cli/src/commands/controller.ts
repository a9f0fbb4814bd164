import type { Command } from 'commander';
import pino from 'pino';
import type { GrpcServerSecurity } from '@xtrace/controller';
import { DEFAULT_CONTROLLER_ADDRESS, DEFAULT_METRICS_LISTEN, DEFAULT_PROBE_CAPS, UsageError, parseDurationMs, parseMetricsListen, resolveNatsSettings } from '@xtrace/proto';
import { checkToken, readCaFile, readCertKeyPair, readTokenFile } from '../flag-file.js';
import { addNatsOptions } from '../nats-flags.js';
import { parseByteSize } from '../byte-size.js';
import { parsePositiveInt } from '../positive-int.js';

/** the smallest --history-max-bytes: a few thousand interval reports */
const MIN_HISTORY_FLAG_BYTES = 1024 ** 2;

interface ServerSecurityFlags {
  tlsCert?: string;
  tlsKey?: string;
  tlsClientCa?: string;
  tokenFile?: string;
  insecure?: boolean;
}

/** The gRPC API's security from `xtrace controller`'s flags (files read here) and XTRACE_TOKEN. */
export function grpcServerSecurity(f: ServerSecurityFlags, env: NodeJS.ProcessEnv = process.env): GrpcServerSecurity {
  const security: GrpcServerSecurity = {};
  if (f.tlsCert !== undefined || f.tlsKey !== undefined) {
    if (f.tlsCert === undefined) throw new UsageError('--tls-key', 'needs --tls-cert FILE (the certificate of this key)');
    if (f.tlsKey === undefined) throw new UsageError('--tls-cert', 'needs --tls-key FILE (its private key)');
    security.tls = readCertKeyPair(f.tlsCert, f.tlsKey, '--tls-cert', '--tls-key');
    if (f.tlsClientCa !== undefined) security.tls.clientCa = readCaFile(f.tlsClientCa, '--tls-client-ca');
  } else if (f.tlsClientCa !== undefined) {
    throw new UsageError('--tls-client-ca', 'needs --tls-cert FILE --tls-key FILE (client certificates are checked over TLS)');
  }
  if (f.tokenFile !== undefined) security.token = readTokenFile(f.tokenFile, '--token-file');
  else if (env.XTRACE_TOKEN !== undefined && env.XTRACE_TOKEN !== '') security.token = checkToken(env.XTRACE_TOKEN, 'XTRACE_TOKEN');
  if (f.insecure === true) security.insecure = true;
  return security;
}

export function registerControllerCommand(program: Command): void {
  const cmd = program
    .command('controller')
    .description('run the controller: agent registry, probes, matcher, gRPC API, scheduled probes, history, alerts, /metrics')
    .option('--listen <host:port>', 'gRPC listen address (beyond loopback: needs --tls-cert/--tls-key, or --insecure)', DEFAULT_CONTROLLER_ADDRESS)
    .option('--tls-cert <file>', 'serve gRPC over TLS with this PEM certificate (chain)')
    .option('--tls-key <file>', 'the PEM private key of --tls-cert')
    .option('--tls-client-ca <file>', 'require client certificates signed by this PEM CA (mTLS)')
    .option('--token-file <file>', 'require this bearer token (the file\'s content) on every gRPC call [env XTRACE_TOKEN]')
    .option('--insecure', 'allow plaintext gRPC beyond loopback (anyone reaching it can make every hypervisor load BPF)')
    .option('--metrics-listen <host:port|off>', 'Prometheus /metrics address (off: none)', DEFAULT_METRICS_LISTEN)
    .option('--no-fleet', 'run without the fleet layer (scheduled probes, history, alerts, metrics), e.g. on a NATS without JetStream')
    .option('--max-probes <n>', 'scheduled probes running at once in the whole fleet, across every controller', String(DEFAULT_PROBE_CAPS.fleet))
    .option('--max-probes-per-agent <n>', 'scheduled probes running at once on one hypervisor, across every controller', String(DEFAULT_PROBE_CAPS.perAgent))
    .option('--js-replicas <n>', 'replicas of the JetStream buckets and history stream this controller creates (3 on a 3-node NATS cluster)', '1')
    .option('--history-max-bytes <size>', 'size limit of the history stream when this controller creates it, e.g. 256MB (default: 1GB, halved down to 16MB while the NATS server cannot reserve it)')
    .option('--history-max-age <duration>', 'how long the history stream keeps reports when this controller creates it, e.g. 30d (default: 7d)');
  addNatsOptions(cmd, 'NATS server URL (JetStream on, unless --no-fleet); without it an embedded nats-server is started on loopback');
  cmd
    .addHelpText(
      'after',
      `
Examples:
  xtrace controller                       # embedded NATS, gRPC on 127.0.0.1:7070, /metrics on 127.0.0.1:9464
  xtrace controller --nats nats://10.0.0.5:4222 --listen 0.0.0.0:7070 --metrics-listen 0.0.0.0:9464 \\
      --tls-cert ctl.crt --tls-key ctl.key --tls-client-ca clients-ca.crt --token-file /etc/xtrace/token
      # clients: xtrace agents --controller ctl.example:7070 --tls-ca ca.crt --tls-cert me.crt --tls-key me.key
  xtrace controller --nats nats://10.0.0.5:4222 --no-fleet   # NATS without JetStream: probes only
  xtrace controller --nats nats://n1:4222,nats://n2:4222,nats://n3:4222 --js-replicas 3   # a 3-node cluster

Scheduled probes over the caps wait (state "queued" in \`xtrace schedule show\`). The caps are
slots in NATS KV xtrace_probe_slots shared by every controller: give every controller the same.

History (every interval report and summary) is the JetStream stream XTRACE_HISTORY, made by the
first controller that finds none; --history-max-bytes and --history-max-age apply then only.
A small host's nats-server that cannot reserve 1GB gets a smaller stream and a warning in the log:
  xtrace controller --nats nats://10.0.0.5:4222 --history-max-bytes 256MB --history-max-age 30d`,
    )
    .action(async (f: Record<string, unknown>, c: Command) => {
      const logger = pino({ name: 'xtrace-controller' }, pino.destination(2));
      // only the --nats* flags: resolveNatsSettings also takes bare keys (tlsCert, tlsKey), which
      // here are the gRPC server's --tls-cert/--tls-key
      const nats = resolveNatsSettings(Object.fromEntries(Object.entries(f).filter(([k]) => k.startsWith('nats'))));
      const fleet = f.fleet !== false;
      const metricsListen = fleet ? parseMetricsListen(String(f.metricsListen)) : undefined;
      const metricsOptional = c.getOptionValueSource('metricsListen') === 'default';
      const grpcSecurity = grpcServerSecurity(f as ServerSecurityFlags);
      const scheduleCaps = { fleet: parsePositiveInt(String(f.maxProbes), '--max-probes'), perAgent: parsePositiveInt(String(f.maxProbesPerAgent), '--max-probes-per-agent') };
      const jsReplicas = parsePositiveInt(String(f.jsReplicas), '--js-replicas');
      const history = {
        ...(f.historyMaxBytes !== undefined ? { maxBytes: parseByteSize(String(f.historyMaxBytes), '--history-max-bytes', MIN_HISTORY_FLAG_BYTES) } : {}),
        ...(f.historyMaxAge !== undefined ? { maxAgeMs: parseDurationMs(String(f.historyMaxAge), '--history-max-age', { positive: true }) } : {}),
      };
      // the one place the CLI loads the controller package: when a controller runs
      const { startController, describeSecurity } = await import('@xtrace/controller');
      const ctl = await startController({ nats, listen: f.listen as string, grpcSecurity, logger, fleet, scheduleCaps, jsReplicas, history, ...(metricsListen !== undefined ? { metricsListen, metricsOptional } : {}) });
      process.stdout.write(
        `nats: ${ctl.natsUrl}${ctl.embedded ? ' (embedded)' : ''}\ngrpc: ${ctl.grpcAddress} (${describeSecurity(grpcSecurity)})\n` +
          (ctl.metricsUrl !== undefined ? `metrics: ${ctl.metricsUrl}\n` : '') +
          (fleet ? '' : 'fleet: off (no scheduled probes, history, alerts or metrics)\n'),
      );
      await new Promise<void>((resolve) => {
        const stop = (): void => {
          process.off('SIGINT', stop);
          process.off('SIGTERM', stop);
          void ctl.close().then(resolve, resolve);
        };
        process.on('SIGINT', stop);
        process.on('SIGTERM', stop);
      });
    });
}
