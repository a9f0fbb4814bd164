import type { Command } from 'commander';
import type { AgentInfo, ProbeInfo } from '@xtrace/proto';
import { addControllerOptions, controllerClient, type ControllerFlags } from '../controller-flags.js';
import { renderAgents, renderProbes } from '../render.js';

export function registerListCommands(program: Command): void {
  addControllerOptions(program.command('agents'))
    .description('list the agents the controller knows (up/down, VMs, attached stages)')
    .option('--json', 'JSON output: {agents: [...]}')
    .addHelpText('after', '\nExamples:\n  xtrace agents\n  xtrace agents --json | jq .agents[].host')
    .action(async (f: ControllerFlags & { json?: boolean }) => {
      const client = controllerClient(f);
      try {
        const r: { agents: AgentInfo[] } = await client.unary('ListAgents', {}, 5000);
        process.stdout.write(f.json ? `${JSON.stringify({ agents: r.agents }, null, 2)}\n` : `${renderAgents(r.agents)}\n`);
      } finally {
        client.close();
      }
    });

  addControllerOptions(program.command('probes'))
    .description('list running and recently finished probes')
    .option('--json', 'JSON output: {probes: [...]}')
    .addHelpText('after', '\nExamples:\n  xtrace probes\n  xtrace probes --json')
    .action(async (f: ControllerFlags & { json?: boolean }) => {
      const client = controllerClient(f);
      try {
        const r: { probes: ProbeInfo[] } = await client.unary('ListProbes', {}, 5000);
        process.stdout.write(f.json ? `${JSON.stringify({ probes: r.probes }, null, 2)}\n` : `${renderProbes(r.probes)}\n`);
      } finally {
        client.close();
      }
    });
}
