/**
 * Where a lab's packets can be dropped on an overloaded machine, counted: every device's
 * rx/tx drops and each namespace's UDP socket errors (its own /proc/net/snmp), every relay's
 * queue overflows, write errors and unread tap frames, and the kernel's per-CPU backlog drops
 * (/proc/net/softnet_stat, machine-wide). A test that sees traffic lost compares the loss with
 * the growth of these counters: loss a counter explains is the machine's, loss none explains is
 * a bug.
 */
import { readFileSync } from 'node:fs';
import type { Lab } from './lab.js';

export type DropCounters = Record<string, number>;

interface LinkStats {
  ifname: string;
  stats64?: { rx?: { dropped?: number }; tx?: { dropped?: number } };
}

/** The counters now, by name (`<ns> <dev> rx`, `<ns> udp`, `<relay> overflow`, `softnet`, ...). */
export async function readDropCounters(lab: Lab): Promise<DropCounters> {
  const out: DropCounters = {};
  for (const ns of lab.namespaces()) {
    const links = JSON.parse((await lab.exec(ns, ['ip', '-j', '-s', 'link', 'show'])).stdout) as LinkStats[];
    for (const l of links) {
      out[`${ns} ${l.ifname} rx dropped`] = l.stats64?.rx?.dropped ?? 0;
      out[`${ns} ${l.ifname} tx dropped`] = l.stats64?.tx?.dropped ?? 0;
    }
    const udp = udpErrors((await lab.exec(ns, ['cat', '/proc/net/snmp'])).stdout);
    out[`${ns} udp InErrors`] = udp.InErrors;
    out[`${ns} udp SndbufErrors`] = udp.SndbufErrors;
  }
  for (const name of lab.relayNames()) {
    const s = await lab.relayStats(name);
    for (const [dir, d] of [['ab', s.ab], ['ba', s.ba]] as const) {
      out[`relay ${name} ${dir} overflow`] = d.overflow;
      out[`relay ${name} ${dir} writeErr`] = d.writeErr;
      out[`relay ${name} ${dir} stampsSkipped`] = d.stampsSkipped;
    }
  }
  out['softnet dropped (all CPUs)'] = softnetDropped(readFileSync('/proc/net/softnet_stat', 'utf8'));
  return out;
}

/** The counters that grew from `before` to `after`, and their total growth. */
export function dropGrowth(before: DropCounters, after: DropCounters): { total: number; grown: DropCounters } {
  const grown: DropCounters = {};
  let total = 0;
  for (const [k, v] of Object.entries(after)) {
    const d = v - (before[k] ?? 0);
    if (d > 0) {
      grown[k] = d;
      total += d;
    }
  }
  return { total, grown };
}

function udpErrors(snmp: string): { InErrors: number; SndbufErrors: number } {
  const lines = snmp.split('\n').filter((l) => l.startsWith('Udp:'));
  const names = lines[0]?.split(/\s+/).slice(1) ?? [];
  const values = lines[1]?.split(/\s+/).slice(1).map(Number) ?? [];
  const get = (n: string): number => values[names.indexOf(n)] ?? 0;
  return { InErrors: get('InErrors'), SndbufErrors: get('SndbufErrors') };
}

/** The second column of each CPU's line: packets dropped because its backlog was full (hex). */
function softnetDropped(stat: string): number {
  return stat
    .split('\n')
    .filter((l) => l.trim())
    .reduce((sum, l) => sum + parseInt(l.trim().split(/\s+/)[1] ?? '0', 16), 0);
}
