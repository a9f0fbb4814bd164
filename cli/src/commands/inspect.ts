/**
 * `xtrace inspect`: what each agent has loaded (controller InspectAgents, which asks the agents
 * over NATS): bpftool for xtrace's own objects across the fleet.
 */
import type { Command } from 'commander';
import { XtraceError, type AgentInspection } from '@xtrace/proto';
import { addControllerOptions, controllerClient, type ControllerFlags } from '../controller-flags.js';
import { renderInspections } from '../inspect-render.js';

export function registerInspectCommand(program: Command): void {
  addControllerOptions(program.command('inspect'))
    .description("show each agent's loaded BPF: programs, links, maps and their fill, kernel counters, ring buffer, stage plan")
    .option('--host <id>', 'only this agent (its host id, as `xtrace agents` lists it); default: every agent that is up')
    .option('--json', 'JSON output: {agents: [AgentInspection...]} (proto/xtrace.proto)')
    .addHelpText(
      'after',
      `
Per agent:
  programs  kernel id (bpftool prog show id N), type, runs and ns per run (only while the kernel's
            bpf_stats is on: the header says whether it is; \`sysctl kernel.bpf_stats_enabled=1\` turns
            it on for the whole kernel, at a cost on every program run), size, and what each is attached to;
            programs this host's stage plan or kernel does not use are listed as not loaded
  links     kernel link id and type (tcx, tracing, perf_event, ...); classic tc filters are no links
  maps      kernel id, key/value sizes and fill: hash maps count their keys (used/max: xt_learned
            fills with the VM addresses learned from traffic, xt_probes with the running probes),
            arrays always hold max entries, the ring buffer shows its size
  counters  xtrace's kernel counters (ringbuf_full: records lost to a full ring, parse_fail, ...)
  ring      records and batches the agent drained, backpressure pauses
  stage plan  each stage's devices, its candidate hooks best first, the hook it got or why not

An unknown --host exits 2; an agent that does not answer is listed with its error and exits 3.

Examples:
  xtrace inspect
  xtrace inspect --host hv-a
  xtrace inspect --json | jq '.agents[].maps[] | select(.name == "xt_learned")'`,
    )
    .action(async (f: ControllerFlags & { host?: string; json?: boolean }) => {
      const client = controllerClient(f);
      let agents: AgentInspection[];
      try {
        const r: { agents: AgentInspection[] } = await client.unary('InspectAgents', { host: f.host ?? '' }, 15_000);
        agents = r.agents;
      } finally {
        client.close();
      }
      process.stdout.write(f.json ? `${JSON.stringify({ agents }, null, 2)}\n` : `${renderInspections(agents)}\n`);
      const failed = agents.filter((a) => a.error);
      if (failed.length > 0) throw new XtraceError('agent', failed.map((a) => a.error).join('; '));
    });
}
