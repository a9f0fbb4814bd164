/** `xtrace schedule add|list|show|rm|pause|resume`: scheduled probes, through the controller's Schedules gRPC service. */
import type { Command } from 'commander';
import { UsageError, type AddScheduleRequest, type GetScheduleResponse, type ScheduleMessage, type ScheduleRunMessage } from '@xtrace/proto';
import { pairSelectorJson } from '../pair-selector-json.js';
import { addControllerOptions } from '../controller-flags.js';
import { callController, fleetDeps, table, type FleetCommandDeps } from './fleet-deps.js';

type Flags = Record<string, unknown> & { json?: boolean; controller?: string };

/** the schedule as stored (the --json form) */
function scheduleJson(s: ScheduleMessage) {
  return { name: s.name, every: s.every, duration: s.duration, pairs: pairSelectorJson(s.pairs), paused: s.paused, createdAt: s.createdAt, ...(s.proto !== '' ? { proto: s.proto } : {}) };
}

/** the run's claim as stored (the --json form): `pairs` null until the owner resolved them */
function runJson(r: ScheduleRunMessage) {
  const { resolved, pairs, ...rest } = r;
  return { ...rest, pairs: resolved ? pairs : null };
}

function renderSchedules(list: ScheduleMessage[]): string {
  if (list.length === 0) return 'no schedules';
  return table([
    ['NAME', 'EVERY', 'DURATION', 'PAIRS', 'PROTO', 'STATE', 'CREATED'],
    ...list.map((s) => [s.name, s.every, s.duration, s.pairs.text, s.proto || 'any', s.paused ? 'paused' : 'active', new Date(s.createdAt).toISOString()]),
  ]);
}

function renderRuns(runs: ScheduleRunMessage[]): string {
  if (runs.length === 0) return 'no runs yet';
  return table([
    ['SLOT', 'STATE', 'OWNER', 'TAKEOVERS', 'PAIRS'],
    ...runs.map((r) => [
      new Date(r.slot).toISOString(),
      r.state,
      r.owner,
      String(r.takeovers),
      r.pairs.map((p) => `${p.src},${p.dst}:${p.state}`).join(' ') || (r.error ?? '-'),
    ]),
  ]);
}

export function registerScheduleCommand(program: Command, depsIn: FleetCommandDeps = {}): Command {
  const deps = fleetDeps(depsIn);
  const cmd = program
    .command('schedule')
    .description('scheduled probes: run pair probes periodically across the fleet (kept by the controllers in NATS KV xtrace_schedules)')
    .addHelpText(
      'after',
      `
Pair selectors (--pairs):
  SRC,DST[;SRC,DST...]    explicit pairs (each an address or a VM name)
  all-cross-host          every pair of VMs on different hypervisors
  sample:K                K cross-host pairs, rotating each run
  labels:k=v[,k=v]        cross-host pairs of VMs carrying these labels

Examples:
  xtrace schedule add wire-check --every 5m --duration 10s --pairs all-cross-host
  xtrace schedule add db --every 1m --duration 5s --pairs '10.0.0.1,10.0.1.1;10.0.0.2,10.0.1.1'
  xtrace schedule list
  xtrace schedule pause wire-check`,
    );

  addControllerOptions(
    cmd
      .command('add <name>')
      .description('add a schedule')
      .requiredOption('--every <duration>', 'period between runs, e.g. 5m')
      .requiredOption('--duration <duration>', 'how long each probe runs, e.g. 10s')
      .requiredOption('--pairs <selector>', 'which pairs (see schedule --help)')
      .option('--proto <proto>', 'protocol filter: any|icmp|tcp|udp')
      .option('--paused', 'create it paused')
      .option('--json', 'print the stored schedule as JSON'),
  ).action(async (name: string, f: Flags & { every: string; duration: string; pairs: string; proto?: string; paused?: boolean }) => {
    const req: AddScheduleRequest = { name, every: f.every, duration: f.duration, pairs: { text: f.pairs }, proto: f.proto ?? '', paused: f.paused === true };
    const s: ScheduleMessage = await callController(f, 'Schedules', 'AddSchedule', req);
    deps.out(f.json ? `${JSON.stringify(scheduleJson(s), null, 2)}\n` : `schedule ${s.name} added: every ${s.every} for ${s.duration}, pairs ${s.pairs.text}${s.paused ? ' (paused)' : ''}\n`);
  });

  addControllerOptions(cmd.command('list').description('list schedules').option('--json', 'JSON output: {schedules: [...]}')).action(async (f: Flags) => {
    const { schedules }: { schedules: ScheduleMessage[] } = await callController(f, 'Schedules', 'ListSchedules', {});
    deps.out(f.json ? `${JSON.stringify({ schedules: schedules.map(scheduleJson) }, null, 2)}\n` : `${renderSchedules(schedules)}\n`);
  });

  addControllerOptions(cmd.command('show <name>').description('show a schedule and its recent runs').option('--runs <n>', 'how many recent runs', '10').option('--json', 'JSON output: {schedule, runs}')).action(
    async (name: string, f: Flags & { runs: string }) => {
      const n = Number(f.runs);
      if (!Number.isInteger(n) || n < 0) throw new UsageError('--runs', 'expected a non-negative integer');
      const { schedule, runs }: GetScheduleResponse = await callController(f, 'Schedules', 'GetSchedule', { name, runs: n });
      deps.out(f.json ? `${JSON.stringify({ schedule: scheduleJson(schedule), runs: runs.map(runJson) }, null, 2)}\n` : `${renderSchedules([schedule])}\n\nrecent runs:\n${renderRuns(runs)}\n`);
    },
  );

  addControllerOptions(cmd.command('rm <name>').description('remove a schedule')).action(async (name: string, f: Flags) => {
    await callController(f, 'Schedules', 'RemoveSchedule', { name });
    deps.out(`schedule ${name} removed\n`);
  });

  for (const [verb, paused] of [
    ['pause', true],
    ['resume', false],
  ] as const) {
    addControllerOptions(cmd.command(`${verb} <name>`).description(`${verb} a schedule`)).action(async (name: string, f: Flags) => {
      await callController(f, 'Schedules', 'SetSchedulePaused', { name, paused });
      deps.out(`schedule ${name} ${paused ? 'paused' : 'resumed'}\n`);
    });
  }
  return cmd;
}
