import type { Command } from 'commander';
import pino from 'pino';
import { DEFAULT_CONTROLLER_ADDRESS, resolveNatsSettings } from '@xtrace/proto';
import { startController } from '@xtrace/controller';
import { addNatsOptions } from '../nats-flags.js';

export function registerControllerCommand(program: Command): void {
  const cmd = program
    .command('controller')
    .description('run the controller: agent registry, probes, matcher, gRPC API')
    .option('--listen <host:port>', 'gRPC listen address', DEFAULT_CONTROLLER_ADDRESS);
  addNatsOptions(cmd, 'NATS server URL; without it an embedded nats-server is started on loopback');
  cmd
    .addHelpText('after', '\nExamples:\n  xtrace controller                       # embedded NATS, gRPC on 127.0.0.1:7070\n  xtrace controller --nats nats://10.0.0.5:4222 --listen 0.0.0.0:7070')
    .action(async (f: Record<string, unknown>) => {
      const logger = pino({ name: 'xtrace-controller' }, pino.destination(2));
      const nats = resolveNatsSettings(f);
      const c = await startController({ nats, listen: f.listen as string, logger });
      process.stdout.write(`nats: ${c.natsUrl}${c.embedded ? ' (embedded)' : ''}\ngrpc: ${c.grpcAddress}\n`);
      await new Promise<void>((resolve) => {
        const stop = (): void => {
          process.off('SIGINT', stop);
          process.off('SIGTERM', stop);
          void c.close().then(resolve, resolve);
        };
        process.on('SIGINT', stop);
        process.on('SIGTERM', stop);
      });
    });
}
