/**
 * nftables drop rules inside a hypervisor namespace: one table per rule, a single counted drop
 * in one chain, so the rule is removed by deleting its table and its drops read from its counter.
 */
import { UsageError } from '@xtrace/proto';
import { inNs, run } from './shell.js';
import type { DropRuleRecord } from './state.js';

export type DropRuleSpec =
  | { family: 'netdev'; device: string; hook?: 'ingress' | 'egress'; match: string }
  | { family: 'bridge'; hook?: 'prerouting' | 'forward' | 'postrouting'; match: string };

export interface DropRule {
  host: number;
  family: 'netdev' | 'bridge';
  table: string;
}

/**
 * Adds table `table` with a counted drop of `rule.match` (nft rule syntax, e.g. `ip protocol
 * icmp`, `udp dport 5000`) in namespace `ns`: netdev family hooks a device, bridge family br0.
 */
export async function addNftDropRule(ns: string, host: number, table: string, rule: DropRuleSpec): Promise<DropRuleRecord> {
  if (/[;{}\n]/.test(rule.match)) throw new UsageError('match', 'one nft match expression, without ; { } or newlines');
  let chain: string;
  if (rule.family === 'netdev') {
    if (!/^[A-Za-z0-9_.-]{1,15}$/.test(rule.device)) throw new UsageError('device', `bad device ${rule.device}`);
    chain = `type filter hook ${rule.hook ?? 'ingress'} device "${rule.device}" priority 0; policy accept;`;
  } else if (rule.family === 'bridge') {
    chain = `type filter hook ${rule.hook ?? 'forward'} priority 0; policy accept;`;
  } else throw new UsageError('family', 'netdev or bridge');
  const text = `table ${rule.family} ${table} {\n chain c {\n  ${chain}\n  ${rule.match} counter drop\n }\n}\n`;
  await run(inNs(ns, ['nft', '-f', '-']), { input: text });
  return {
    host,
    family: rule.family,
    table,
    ...(rule.family === 'netdev' ? { device: rule.device } : {}),
    match: rule.match,
  };
}

/** Packets the rule in namespace `ns` has dropped so far. */
export async function nftDropCount(ns: string, rule: DropRule): Promise<number> {
  const r = await run(inNs(ns, ['nft', '-j', 'list', 'table', rule.family, rule.table]));
  const doc = JSON.parse(r.stdout) as { nftables: Array<{ rule?: { expr: Array<{ counter?: { packets: number } }> } }> };
  let n = 0;
  for (const item of doc.nftables) for (const e of item.rule?.expr ?? []) n += e.counter?.packets ?? 0;
  return n;
}

/** Deletes the rule's table (gone already is fine). */
export async function removeNftDropRule(ns: string, rule: DropRule): Promise<void> {
  await run(inNs(ns, ['nft', 'delete', 'table', rule.family, rule.table]), { allowFail: true });
}
