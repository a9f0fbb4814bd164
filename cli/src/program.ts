import { Command } from 'commander';
import { registerAgentCommand } from './commands/agent.js';
import { registerListCommands } from './commands/agents.js';
import { registerControllerCommand } from './commands/controller.js';
import { registerPairCommand } from './commands/pair.js';
import { registerTraceCommand } from './commands/trace.js';
import { registerLabCommand } from './commands/lab.js';
import { registerDemoCommand } from './commands/demo.js';
import { registerScheduleCommand } from './commands/schedule.js';
import { registerAlertCommand } from './commands/alert.js';
import { registerHistoryCommand } from './commands/history.js';

export const CLI_VERSION = '0.1.0';

export async function buildProgram(): Promise<Command> {
  const program = new Command();
  program
    .name('xtrace')
    .description('VM-to-VM packet latency and loss tracing across KVM hypervisors (eBPF + NATS)')
    .version(CLI_VERSION)
    .showHelpAfterError('(add --help for usage)')
    .exitOverride()
    .addHelpText(
      'after',
      `
Examples:
  xtrace controller                                   # controller with an embedded NATS
  xtrace agent --nats nats://10.0.0.5:4222            # on every hypervisor
  xtrace pair --src 192.168.1.10 --dst 192.168.1.20   # trace two VMs for 10 s
  xtrace agents                                       # who is registered
  xtrace schedule add wire --every 5m --duration 10s --pairs all-cross-host
  xtrace alert add wire-slow --segment wire --metric p99 --above 500us --webhook http://hooks/x
  xtrace history --pair 192.168.1.10,192.168.1.20 --since 1h

Environment: XTRACE_CONTROLLER (host:port), XTRACE_NATS_URL, XTRACE_NATS_CREDS, XTRACE_NATS_USER,
XTRACE_NATS_PASS, XTRACE_NATS_TOKEN, XTRACE_NATS_TLS_CA, XTRACE_NATS_TLS_CERT, XTRACE_NATS_TLS_KEY.
Exit codes: 0 ok, 1 the probe saw no matching traffic, 2 usage/input error, 3 controller/NATS/agent failure.`,
    );
  registerControllerCommand(program);
  registerAgentCommand(program);
  registerPairCommand(program);
  registerListCommands(program);
  registerTraceCommand(program);
  registerLabCommand(program);
  registerDemoCommand(program);
  registerScheduleCommand(program);
  registerAlertCommand(program);
  registerHistoryCommand(program);
  return program;
}
