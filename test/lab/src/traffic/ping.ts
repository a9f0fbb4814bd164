import type { Lab } from '../lab.js';
import type { VmInfo } from '../topology.js';
import { LabError } from '../errors.js';
import { summarize, type Summary } from './summary.js';

interface PingOptions {
  count?: number;
  /** interval between echo requests, ms (below 200 needs root, which the lab has) */
  intervalMs?: number;
  /** ICMP payload bytes */
  size?: number;
  /** hard bound on the whole run, seconds (the process is killed after it) */
  deadlineS?: number;
  /** how long to wait for the last reply, seconds (ping -W) */
  waitS?: number;
}

interface PingResult {
  transmitted: number;
  received: number;
  lossRate: number;
  /** rtt of each reply, by icmp_seq order of arrival */
  rttsMs: number[];
  rttMs: Summary;
  /** icmp_seq values that got a reply */
  seqs: number[];
  raw: string;
}

function parsePing(out: string): PingResult {
  const rttsMs: number[] = [];
  const seqs: number[] = [];
  for (const m of out.matchAll(/icmp_seq=(\d+) .*?time=([\d.]+) ms/g)) {
    seqs.push(Number(m[1]));
    rttsMs.push(Number(m[2]));
  }
  const sm = /(\d+) packets transmitted, (\d+) received/.exec(out);
  if (!sm) throw new LabError(`cannot parse ping output: ${out.slice(-300)}`);
  const transmitted = Number(sm[1]);
  const received = Number(sm[2]);
  return { transmitted, received, lossRate: transmitted ? (transmitted - received) / transmitted : 0, rttsMs, rttMs: summarize(rttsMs), seqs, raw: out };
}

/** ICMP echo from a VM to `dst` (iputils ping inside the VM's namespace), bounded in count and time. */
export async function ping(lab: Lab, from: VmInfo, dst: string, opts: PingOptions = {}): Promise<PingResult> {
  const count = opts.count ?? 10;
  const intervalMs = opts.intervalMs ?? 100;
  const waitS = opts.waitS ?? 1;
  // no `ping -w`: with -w, ping keeps sending until the deadline instead of stopping at -c
  // the deadline only guards against a hung ping: on a loaded machine (load average 19) ping ran
  // seconds late and a 2 s margin killed it mid-run
  const deadlineS = opts.deadlineS ?? Math.ceil((count * intervalMs) / 1000 + waitS + 15);
  const argv = ['ping', '-n', '-c', String(count), '-i', String(intervalMs / 1000), '-W', String(waitS)];
  if (opts.size !== undefined) argv.push('-s', String(opts.size));
  argv.push(dst);
  // exit code 1 = some replies missing: still a result
  const r = await lab.exec(from.ns, argv, { allowFail: true, timeoutMs: deadlineS * 1000 });
  if (r.code !== 0 && r.code !== 1) throw new LabError(`ping in ${from.ns} failed (${r.code ?? r.signal}): ${r.stderr.trim()}`);
  return parsePing(r.stdout);
}
