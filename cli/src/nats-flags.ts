import { Option, type Command } from 'commander';
import { NATS_OPTION_SPECS } from '@xtrace/proto';

/** Adds --nats, --nats-creds, ... (proto NATS_OPTION_SPECS) to a command. */
export function addNatsOptions(cmd: Command, urlDescription?: string): Command {
  for (const spec of NATS_OPTION_SPECS) {
    const desc = spec.key === 'url' && urlDescription ? urlDescription : spec.description;
    cmd.addOption(new Option(spec.flag, `${desc} [env ${spec.env}]`));
  }
  return cmd;
}
