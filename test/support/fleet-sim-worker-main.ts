/**
 * One process of the fleet simulator (fleet-sim.ts): many real Agents (node-agent/src/agent.ts),
 * each with its own NATS connection (as a real agent has: nats-server sees one client per
 * hypervisor; or, with sharedConnection, one for the process: the Agent only subscribes to its
 * own subjects and publishes, so agents can share one), over FakeTracers whose inventory lists the host's VMs and whose records
 * fleet-sim-traffic.ts generates for every probe filter the controller installs.
 *
 * Started with child_process.fork (IPC). Arg: JSON WorkerArgs. Sends {type:'ready'} once every
 * agent registered (announced and flushed). Answers requests {type, id}:
 *   heartbeats -> {host: publish times (epoch ms) of its latest status messages}
 *   traffic    -> every side range of every probe (SideRange[])
 *   loop       -> this process's event-loop delay since the last ask (ms: p50, p99, max) and CPU seconds
 *   stop       -> closes every agent, then exits
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { connect, type NatsConnection } from 'nats';
import { pino } from 'pino';
import { Agent, FakeTracer, readKernelDropReasons } from '@xtrace/node-agent';
import { SimTraffic } from './fleet-sim-traffic.js';

export interface SimHost {
  hostId: string;
  vms: string[];
}

export interface WorkerArgs {
  natsUrl: string;
  hosts: SimHost[];
  /** exchanges per second per probe (each: 4 records on either host) */
  rate: number;
  heartbeatMs?: number;
  /** one NATS connection for every agent of this process (default: one each, as real agents) */
  sharedConnection?: boolean;
}

export type WorkerRequest = { type: 'heartbeats' | 'traffic' | 'loop' | 'stop'; id: number };

export interface WorkerLoop {
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  cpuS: number;
}

/** publish times kept per host */
const KEEP_HEARTBEATS = 8;

const args = JSON.parse(process.argv[2] ?? '{}') as WorkerArgs;
const logger = pino({ level: process.env['XTRACE_TEST_LOG'] ?? 'error' }, pino.destination(2));
// read once per process (a real agent reads its kernel's BTF once): every heartbeat carries them, as a real one does
const dropReasons = readKernelDropReasons();
const periodNs = BigInt(Math.round(1e9 / args.rate));
const heartbeatsOf = new Map<string, number[]>();

/** Records when each agent's status messages (announcement, heartbeat) left, to compare with the registry's last-seen. */
function recordStatusPublishes(nc: NatsConnection): NatsConnection {
  const publish = nc.publish.bind(nc);
  const hb = /^xtrace\.agent\.([^.]+)\.hb$/;
  const announce = /^xtrace\.registry\.announce\.([^.]+)$/;
  // one proxy per agent: heartbeats and announcements name their agent in the subject
  return new Proxy(nc, {
    get(target, prop, receiver) {
      if (prop !== 'publish') return Reflect.get(target, prop, receiver) as unknown;
      return (subject: string, data?: string | Uint8Array, ...rest: unknown[]) => {
        const host = hb.exec(subject)?.[1] ?? announce.exec(subject)?.[1];
        const times = host === undefined ? undefined : heartbeatsOf.get(host);
        if (times) {
          times.push(Date.now());
          if (times.length > KEEP_HEARTBEATS) times.shift();
        }
        (publish as (...a: unknown[]) => void)(subject, data, ...rest);
      };
    },
  });
}

const agents: Agent[] = [];
const traffic: SimTraffic[] = [];
const connectOnce = (name: string): Promise<NatsConnection> => connect({ servers: args.natsUrl, name, maxReconnectAttempts: -1 });
const shared = args.sharedConnection ? await connectOnce(`sim-agents-${process.pid}`) : undefined;
await Promise.all(
  args.hosts.map(async (h) => {
    heartbeatsOf.set(h.hostId, []);
    const nc = recordStatusPublishes(shared ?? (await connectOnce(`sim-agent-${h.hostId}`)));
    const tracer = new FakeTracer({ vmAddresses: h.vms });
    const agent = new Agent({
      nc,
      tracer,
      hostId: h.hostId,
      bootId: `boot-${h.hostId}`,
      logger,
      dropReasons,
      flushMs: 100,
      ...(args.heartbeatMs !== undefined ? { heartbeatMs: args.heartbeatMs } : {}),
    });
    await agent.start();
    agents.push(agent);
    traffic.push(new SimTraffic(h.hostId, tracer, new Set(h.vms), periodNs));
  }),
);
const ticker = setInterval(() => {
  const now = process.hrtime.bigint();
  for (const t of traffic) t.tick(now);
}, 50);

const loop = monitorEventLoopDelay({ resolution: 10 });
loop.enable();
process.on('message', (m: WorkerRequest) => {
  if (m.type === 'loop') {
    const u = process.cpuUsage();
    const r: WorkerLoop = { p50Ms: loop.percentile(50) / 1e6, p99Ms: loop.percentile(99) / 1e6, maxMs: loop.max / 1e6, cpuS: (u.user + u.system) / 1e6 };
    loop.reset();
    process.send!({ id: m.id, result: r });
  } else if (m.type === 'heartbeats') process.send!({ id: m.id, result: Object.fromEntries(heartbeatsOf) });
  else if (m.type === 'traffic') process.send!({ id: m.id, result: traffic.flatMap((t) => t.ranges()) });
  else if (m.type === 'stop') {
    clearInterval(ticker);
    void Promise.allSettled(agents.map((a) => a.close({ drain: shared === undefined })))
      .then(() => shared?.drain())
      .then(() => process.send!({ id: m.id, result: null }, () => process.exit(0)));
  }
});
process.send!({ type: 'ready', agents: agents.length });
