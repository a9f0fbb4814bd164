/** `xtrace schedule add|list|show|rm|pause|resume`: scheduled probes, straight in NATS KV. */
import type { Command } from 'commander';
import { UsageError } from '@xtrace/proto';
import {
  ScheduleStore,
  decodeClaim,
  formatPairSelector,
  openScheduleRunsKv,
  parsePairSelector,
  parseRunKey,
  SCHEDULE_PROTOS,
  type ParsedSchedule,
  type ScheduleProto,
  type RunClaim,
} from '@xtrace/controller';
import { addNatsOptions } from '../nats-flags.js';
import { fleetDeps, table, withNats, type FleetCommandDeps } from './fleet-deps.js';

type Flags = Record<string, unknown> & { json?: boolean };

function scheduleJson(s: ParsedSchedule) {
  const { everyMs: _e, durationMs: _d, ...rest } = s;
  return rest;
}

function renderSchedules(list: ParsedSchedule[]): string {
  if (list.length === 0) return 'no schedules';
  return table([
    ['NAME', 'EVERY', 'DURATION', 'PAIRS', 'PROTO', 'STATE', 'CREATED'],
    ...list.map((s) => [s.name, s.every, s.duration, formatPairSelector(s.pairs), s.proto ?? 'any', s.paused ? 'paused' : 'active', new Date(s.createdAt).toISOString()]),
  ]);
}

function renderRuns(runs: RunClaim[]): string {
  if (runs.length === 0) return 'no runs yet';
  return table([
    ['SLOT', 'STATE', 'OWNER', 'TAKEOVERS', 'PAIRS'],
    ...runs.map((r) => [
      new Date(r.slot).toISOString(),
      r.state,
      r.owner,
      String(r.takeovers),
      (r.pairs ?? []).map((p) => `${p.src},${p.dst}:${p.state}`).join(' ') || (r.error ?? '-'),
    ]),
  ]);
}

export function registerScheduleCommand(program: Command, depsIn: FleetCommandDeps = {}): Command {
  const deps = fleetDeps(depsIn);
  const cmd = program
    .command('schedule')
    .description('scheduled probes: run pair probes periodically across the fleet (stored in NATS KV xtrace_schedules)')
    .addHelpText(
      'after',
      `
Pair selectors (--pairs):
  SRC,DST[;SRC,DST...]    explicit pairs
  all-cross-host          every pair of VMs on different hypervisors
  sample:K                K cross-host pairs, rotating each run
  labels:k=v[,k=v]        cross-host pairs of VMs carrying these labels

Examples:
  xtrace schedule add wire-check --every 5m --duration 10s --pairs all-cross-host
  xtrace schedule add db --every 1m --duration 5s --pairs '10.0.0.1,10.0.1.1;10.0.0.2,10.0.1.1'
  xtrace schedule list
  xtrace schedule pause wire-check`,
    );

  addNatsOptions(
    cmd
      .command('add <name>')
      .description('add a schedule')
      .requiredOption('--every <duration>', 'period between runs, e.g. 5m')
      .requiredOption('--duration <duration>', 'how long each probe runs, e.g. 10s')
      .requiredOption('--pairs <selector>', 'which pairs (see schedule --help)')
      .option('--proto <proto>', `protocol filter: ${SCHEDULE_PROTOS.join('|')}`)
      .option('--paused', 'create it paused')
      .option('--json', 'print the stored schedule as JSON'),
  ).action(async (name: string, f: Flags & { every: string; duration: string; pairs: string; proto?: string; paused?: boolean }) => {
    const pairs = parsePairSelector(f.pairs, '--pairs');
    if (f.proto !== undefined && !SCHEDULE_PROTOS.includes(f.proto as ScheduleProto)) throw new UsageError('--proto', `expected one of ${SCHEDULE_PROTOS.join(', ')}`);
    const s = await withNats(deps, f, async (nc) => {
      const store = await ScheduleStore.open(nc);
      return store.add({ name, every: f.every, duration: f.duration, pairs, paused: f.paused === true, ...(f.proto !== undefined ? { proto: f.proto as ScheduleProto } : {}) });
    });
    deps.out(f.json ? `${JSON.stringify(scheduleJson(s), null, 2)}\n` : `schedule ${s.name} added: every ${s.every} for ${s.duration}, pairs ${formatPairSelector(s.pairs)}${s.paused ? ' (paused)' : ''}\n`);
  });

  addNatsOptions(cmd.command('list').description('list schedules').option('--json', 'JSON output: {schedules: [...]}')).action(async (f: Flags) => {
    const list = await withNats(deps, f, async (nc) => (await ScheduleStore.open(nc)).list());
    deps.out(f.json ? `${JSON.stringify({ schedules: list.map(scheduleJson) }, null, 2)}\n` : `${renderSchedules(list)}\n`);
  });

  addNatsOptions(cmd.command('show <name>').description('show a schedule and its recent runs').option('--runs <n>', 'how many recent runs', '10').option('--json', 'JSON output: {schedule, runs}')).action(
    async (name: string, f: Flags & { runs: string }) => {
      const n = Number(f.runs);
      if (!Number.isInteger(n) || n < 0) throw new UsageError('--runs', 'expected a non-negative integer');
      const { s, runs } = await withNats(deps, f, async (nc) => {
        const s = await (await ScheduleStore.open(nc)).get(name);
        if (s === undefined) throw new UsageError('name', `no schedule named "${name}"`);
        const kv = await openScheduleRunsKv(nc);
        const keys: string[] = [];
        for await (const k of await kv.keys(`run.${name}.*`)) keys.push(k);
        keys.sort((a, b) => (parseRunKey(b)?.slot ?? 0) - (parseRunKey(a)?.slot ?? 0));
        const runs: RunClaim[] = [];
        for (const k of keys.slice(0, n)) {
          const e = await kv.get(k);
          if (e !== null && e.operation === 'PUT') runs.push(decodeClaim(e.value));
        }
        return { s, runs };
      });
      deps.out(f.json ? `${JSON.stringify({ schedule: scheduleJson(s), runs }, null, 2)}\n` : `${renderSchedules([s])}\n\nrecent runs:\n${renderRuns(runs)}\n`);
    },
  );

  addNatsOptions(cmd.command('rm <name>').description('remove a schedule')).action(async (name: string, f: Flags) => {
    const removed = await withNats(deps, f, async (nc) => (await ScheduleStore.open(nc)).remove(name));
    if (!removed) throw new UsageError('name', `no schedule named "${name}"`);
    deps.out(`schedule ${name} removed\n`);
  });

  for (const [verb, paused] of [
    ['pause', true],
    ['resume', false],
  ] as const) {
    addNatsOptions(cmd.command(`${verb} <name>`).description(`${verb} a schedule`)).action(async (name: string, f: Flags) => {
      await withNats(deps, f, async (nc) => (await ScheduleStore.open(nc)).setPaused(name, paused));
      deps.out(`schedule ${name} ${paused ? 'paused' : 'resumed'}\n`);
    });
  }
  return cmd;
}
