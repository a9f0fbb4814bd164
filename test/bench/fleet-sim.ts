/**
 * Fleet scale benchmark (issue 17): 1,000 simulated agents (real Agents over fake tracers, real
 * NATS connections), one real nats-server and one real controller process; 100 concurrent probes
 * with generated records and a schedule over sample:K cross-host pairs (test/support/fleet-sim.ts).
 *   node --import tsx test/bench/fleet-sim.ts [agents=1000] [probes=100]
 * Knobs: XTRACE_SIM_PER_WORKER (agents per process, 250), XTRACE_SIM_VMS (VMs per host, 2),
 * XTRACE_SIM_RATE (exchanges/s per probe, 100: 800 records/s), XTRACE_SIM_PROBE_S (10),
 * XTRACE_SIM_SAMPLE (schedule's sample:K, 20), XTRACE_SIM_MAX_PROBES (controller --max-probes, 32),
 * XTRACE_SIM_SHARED_NC=1 (one NATS connection per simulator process instead of one per agent),
 * XTRACE_SIM_CONTROLLER_LOG=path (the controller's log), XTRACE_SIM_CONTROLLER_NODE_ARGS='--cpu-prof ...'.
 * Builds first (tsc -b): the controller is the compiled CLI.
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { runFleetSim, type Quantiles } from '../support/fleet-sim.js';
import { emitFigures, machineLine } from './support/report.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const num = (v: string | undefined, d: number): number => (v === undefined || v === '' ? d : Number(v));
const agents = num(process.argv[2], 1000);
const probes = num(process.argv[3], 100);
const env = process.env;

execFileSync('npx', ['tsc', '-b'], { cwd: root, stdio: 'inherit' });
console.log(`fleet simulator — ${new Date().toISOString()}\n${machineLine()}`);
const r = await runFleetSim({
  agents,
  probes,
  perWorker: num(env['XTRACE_SIM_PER_WORKER'], 250),
  vmsPerHost: num(env['XTRACE_SIM_VMS'], 2),
  rate: num(env['XTRACE_SIM_RATE'], 100),
  probeDurationMs: num(env['XTRACE_SIM_PROBE_S'], 10) * 1000,
  schedulePairs: num(env['XTRACE_SIM_SAMPLE'], 20),
  maxProbes: num(env['XTRACE_SIM_MAX_PROBES'], 32),
  sharedConnection: env['XTRACE_SIM_SHARED_NC'] === '1',
  ...(env['XTRACE_SIM_CONTROLLER_NODE_ARGS'] ? { controllerNodeArgs: env['XTRACE_SIM_CONTROLLER_NODE_ARGS'].split(' ').filter(Boolean) } : {}),
  ...(env['XTRACE_SIM_CONTROLLER_LOG'] ? { controllerLog: env['XTRACE_SIM_CONTROLLER_LOG'] } : {}),
  log: (l) => console.log(`  ${l}`),
});

const q = (x: Quantiles, unit = 'ms'): string => `p50 ${x.p50.toFixed(1)} / p99 ${x.p99.toFixed(1)} / max ${x.max.toFixed(1)} ${unit}`;
const p = r.probes;
const rows: [string, string][] = [
  ['agents registered', `${r.registered} of ${r.agents} (${r.workers} processes, ${r.sharedConnection ? 'one NATS connection per process' : 'one NATS connection per agent'}) in ${(r.registerMs / 1000).toFixed(1)} s`],
  ['controller idle (all agents heartbeating)', `${r.idle.cpuPct.toFixed(1)} % of a core, RSS ${r.idle.rssMb.toFixed(0)} MB (over ${r.idle.seconds} s)`],
  ['heartbeat processing delay (publish -> registry last-seen)', `${q(r.heartbeatDelayMs)} (${r.heartbeatDelayMs.samples} agents)`],
  ['registry last-seen age at a ListAgents', q(r.lastSeenAgeMs)],
  [`ListAgents (gRPC, ${r.listAgentsMs.calls} calls, ${(r.listAgentsMs.bytes / 1024).toFixed(0)} KB JSON)`, q(r.listAgentsMs)],
  ['`xtrace agents --json` (CLI process, end to end)', `${r.cliAgentsMs.map((t) => t.toFixed(0)).join(' / ')} ms`],
  [`${probes} concurrent probes: StartPairProbe`, `${p.started} started, ${q(p.startMs)}`],
  ...Object.entries(p.startErrors).map(([m, n]): [string, string] => ['probes: StartPairProbe failed', `${n} x ${m}`]),
  ['controller responsiveness during the probes (ListProbes every 500 ms)', q(p.pingMs)],
  ['simulator processes during the probes', `${p.workerCpuPct.toFixed(0)} % CPU (all ${r.workers}), event-loop delay p99 ${p.workerLoopP99Ms.toFixed(0)} ms (worst process)`],
  ['probes: records in at the controller', `${p.recordsIn} of ${p.recordsExpected} sent (${(p.recordsPerS / 1000).toFixed(1)} k records/s), lost batches ${p.lostBatches}`],
  ['probes: packets matched', `${p.matched} (both sides sent ${p.matchedExpected}, one side only ${p.edgePackets}: start/stop edges); lost ${p.lost}`],
  ['controller during the probes', `${p.cpuPct.toFixed(1)} % of a core, peak RSS ${p.peakRssMb.toFixed(0)} MB (${p.wallS.toFixed(1)} s)`],
];
if (r.schedule) {
  const s = r.schedule;
  rows.push(
    [`schedule sample:${s.pairs}: first run`, `resolved ${s.firedAfterMs.toFixed(0)} ms, done ${(s.doneAfterMs / 1000).toFixed(1)} s after AddSchedule; ${s.pairsDone} done, ${s.pairsFailed} failed${s.errors.length ? ` (${s.errors.join('; ')})` : ''}`],
    ['controller during the schedule', `${s.cpuPct.toFixed(1)} % of a core, peak RSS ${s.peakRssMb.toFixed(0)} MB`],
  );
}
const w = Math.max(...rows.map(([k]) => k.length));
console.log('');
for (const [k, v] of rows) console.log(`${k.padEnd(w)}  ${v}`);
emitFigures('fleetSim', {
  agents: r.agents,
  registered: r.registered,
  registerS: r.registerMs / 1000,
  idleCpuPct: r.idle.cpuPct,
  idleRssMb: r.idle.rssMb,
  heartbeatDelayP50Ms: r.heartbeatDelayMs.p50,
  heartbeatDelayP99Ms: r.heartbeatDelayMs.p99,
  listAgentsP50Ms: r.listAgentsMs.p50,
  listAgentsP99Ms: r.listAgentsMs.p99,
  probes: p.started,
  recordsPerS: p.recordsPerS,
  recordsLost: p.recordsExpected - p.recordsIn,
  probeCpuPct: p.cpuPct,
  probePeakRssMb: p.peakRssMb,
  ...(r.schedule ? { scheduleDoneS: r.schedule.doneAfterMs / 1000, schedulePairsDone: r.schedule.pairsDone, schedulePeakRssMb: r.schedule.peakRssMb } : {}),
});
