import { Command } from 'commander';

/**
 * Each command's module, loaded only when that command runs (help loads them all): `xtrace
 * agent` then never loads the controller, gRPC or the lab, which would cost every agent
 * process memory for code it does not run.
 */
const COMMANDS: Record<string, () => Promise<(program: Command) => unknown>> = {
  controller: async () => (await import('./commands/controller.js')).registerControllerCommand,
  agent: async () => (await import('./commands/agent.js')).registerAgentCommand,
  pair: async () => (await import('./commands/pair.js')).registerPairCommand,
  agents: async () => (await import('./commands/agents.js')).registerListCommands,
  inspect: async () => (await import('./commands/inspect.js')).registerInspectCommand,
  trace: async () => (await import('./commands/trace.js')).registerTraceCommand,
  lab: async () => (await import('./commands/lab.js')).registerLabCommand,
  demo: async () => (await import('./commands/demo.js')).registerDemoCommand,
  schedule: async () => (await import('./commands/schedule.js')).registerScheduleCommand,
  alert: async () => (await import('./commands/alert.js')).registerAlertCommand,
  history: async () => (await import('./commands/history.js')).registerHistoryCommand,
  'nats-config': async () => (await import('./commands/nats-config.js')).registerNatsConfigCommand,
};
/** commands registered by another command's module */
const ALIASES: Record<string, string> = { probes: 'agents' };

const CLI_VERSION = '0.1.0';

/**
 * The CLI. With `argv` (process.argv), only the module of the command named in argv[2] is
 * loaded; without it, or for help, an unknown command or an option first, every command is.
 */
export async function buildProgram(argv?: string[]): Promise<Command> {
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
  xtrace inspect --host hv-a                          # its loaded programs, links, maps, counters, stage plan
  xtrace schedule add wire --every 5m --duration 10s --pairs all-cross-host
  xtrace alert add wire-slow --segment wire --metric p99 --above 500us --webhook http://hooks/x
  xtrace history --pair 192.168.1.10,192.168.1.20 --since 1h
  xtrace nats-config --agents hv-a,hv-b --out /etc/xtrace/nats   # least-privilege NATS users

Environment: XTRACE_CONTROLLER (host:port), XTRACE_TLS_CA, XTRACE_TLS_CERT, XTRACE_TLS_KEY, XTRACE_TOKEN
(gRPC to the controller), XTRACE_NATS_URL, XTRACE_NATS_CREDS, XTRACE_NATS_NKEY, XTRACE_NATS_USER,
XTRACE_NATS_PASS, XTRACE_NATS_TOKEN, XTRACE_NATS_TLS_CA, XTRACE_NATS_TLS_CERT, XTRACE_NATS_TLS_KEY;
XTRACE_BTF (agent, trace: the kernel BTF file, for kernels without /sys/kernel/btf/vmlinux).
Exit codes: 0 ok, 1 the probe saw no matching traffic, 2 usage/input error, 3 controller/NATS/agent failure.`,
    );
  const name = argv?.[2];
  const only = name === undefined ? undefined : (ALIASES[name] ?? name);
  const wanted = only !== undefined && only in COMMANDS ? [only] : Object.keys(COMMANDS);
  for (const register of await Promise.all(wanted.map((c) => COMMANDS[c]!()))) register(program);
  return program;
}
