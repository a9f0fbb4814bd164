import { Command, Option } from 'commander';
import { parseDurationUs, UsageError } from '@xtrace/proto';
import type { WireMode, LabSpec, LabStatus, ResolvedImpairment, TeardownReport } from '@xtrace/lab';
import { registerLabNestedCommand } from './lab-nested.js';
import { loadLabModule, type LabModule } from '../lab-module.js';

/** The lab (TypeScript run through tsx, never compiled), loaded when a lab command runs. */
const loadLab = async (): Promise<LabModule['Lab']> => (await loadLabModule()).Lab;

/** "0.01" or "1%" → probability. */
export function parseLoss(field: string, text: string): number {
  const m = /^(\d+(?:\.\d+)?)(%)?$/.exec(text.trim());
  const v = m ? Number(m[1]) / (m[2] ? 100 : 1) : NaN;
  if (!(v >= 0 && v <= 1)) throw new UsageError(field, `expected a probability (0.01) or percentage (1%), got "${text}"`);
  return v;
}

export function parseIntIn(field: string, text: string, min: number, max: number): number {
  const v = Number(text);
  if (!Number.isInteger(v) || v < min || v > max) throw new UsageError(field, `expected an integer in [${min}, ${max}], got "${text}"`);
  return v;
}

const fmtImp = (i: ResolvedImpairment): string =>
  i.delayUs === 0 && i.jitterUs === 0 && i.loss === 0
    ? 'none'
    : [i.delayUs ? `delay ${i.delayUs}us` : '', i.jitterUs ? `jitter ±${i.jitterUs}us` : '', i.loss ? `loss ${i.loss}` : '']
        .filter(Boolean)
        .join(' ');

function printStatus(st: LabStatus): void {
  const out: string[] = [];
  out.push(`lab ${st.id}  ${st.phase}  slot ${st.slot}  wire ${st.wireMode}  created ${st.createdAt}`);
  out.push(`  offloads: ${st.offloads}   state: ${st.stateFile}`);
  for (const h of st.hosts) {
    out.push(
      `  host ${h.index}  ns ${h.ns}${h.exists ? '' : ' (MISSING)'}  nic ${h.nic} ${h.underlayIp}  bridge ${h.bridge}  vxlan ${h.vxlan}` +
        `  mgmt ${h.mgmtHostIp} -> ${h.mgmtRootIp} (${h.mgmtRootLink})  clock skew ${h.clockSkewNs} ns`,
    );
    for (const v of h.vms) out.push(`    vm ${h.index}/${v.index}  ns ${v.ns}  ${v.ip}  ${v.mac}  host tap ${v.hostTap}  relay ${v.relay}`);
  }
  for (const r of st.relays) {
    out.push(
      `  relay ${r.name.padEnd(7)} pid ${String(r.pid).padEnd(7)} ${r.alive ? 'running' : 'DEAD   '}  ${r.a} <-> ${r.b}` +
        `  ab: ${fmtImp(r.knobs.ab)}  ba: ${fmtImp(r.knobs.ba)}`,
    );
  }
  for (const d of st.dropRules) out.push(`  nft drop  host ${d.host}  ${d.family} ${d.table}${d.device ? ` on ${d.device}` : ''}: ${d.match}`);
  for (const p of st.problems) out.push(`  problem: ${p}`);
  process.stdout.write(out.join('\n') + '\n');
}

interface UpOpts {
  hosts: string;
  vms: string;
  wire: WireMode;
  wireDelay?: string;
  wireJitter?: string;
  wireLoss?: string;
  vmRxDelay?: string;
  vmTxDelay?: string;
  clockSkew?: string;
  seed?: string;
  id?: string;
  truthLog?: boolean;
  json?: boolean;
}

export function buildLabSpec(o: UpOpts): LabSpec {
  const hosts = parseIntIn('--hosts', o.hosts, 1, 24);
  const egress = {
    delayUs: o.wireDelay !== undefined ? parseDurationUs(o.wireDelay, '--wire-delay') : 0,
    jitterUs: o.wireJitter !== undefined ? parseDurationUs(o.wireJitter, '--wire-jitter') : 0,
    loss: o.wireLoss !== undefined ? parseLoss('--wire-loss', o.wireLoss) : 0,
  };
  const spec: LabSpec = {
    hosts,
    vmsPerHost: parseIntIn('--vms', o.vms, 0, 10),
    wire: { mode: o.wire, egress },
    vm: {
      ab: { delayUs: o.vmRxDelay !== undefined ? parseDurationUs(o.vmRxDelay, '--vm-rx-delay') : 0 },
      ba: { delayUs: o.vmTxDelay !== undefined ? parseDurationUs(o.vmTxDelay, '--vm-tx-delay') : 0 },
    },
    truthLog: o.truthLog ?? false,
  };
  if (o.seed !== undefined) spec.seed = parseIntIn('--seed', o.seed, 0, 2 ** 31);
  if (o.id !== undefined) spec.id = o.id;
  if (o.wire === 'veth' && (egress.delayUs || egress.jitterUs || egress.loss)) {
    throw new UsageError('--wire', 'delay/jitter/loss on the wire need --wire relay');
  }
  if (o.clockSkew !== undefined) {
    const parts = o.clockSkew.split(',');
    if (parts.length > hosts) throw new UsageError('--clock-skew', `${parts.length} values for ${hosts} hosts`);
    spec.hostOverrides = {};
    parts.forEach((p, i) => {
      const neg = p.trim().startsWith('-');
      const us = parseDurationUs(neg ? p.trim().slice(1) : p, '--clock-skew');
      (spec.hostOverrides ??= {})[i] = { clockSkewNs: (neg ? -1 : 1) * us * 1000 };
    });
  }
  return spec;
}

/** `xtrace lab up|down|status`: the multi-hypervisor namespace lab (test/lab). Needs root. */
export function registerLabCommand(program: Command): Command {
  const lab = program.command('lab').description('network-namespace lab of hypervisors, VMs and relays with known delay/loss (root)');

  lab
    .command('up')
    .description('build a lab: N hypervisor namespaces with br0 + VXLAN, M VM namespaces each, relays with knobs')
    .option('--hosts <n>', 'number of hypervisors', '2')
    .option('--vms <n>', 'VMs per hypervisor', '1')
    .addOption(new Option('--wire <mode>', 'how hosts are wired').choices(['relay', 'veth', 'one-relay', 'direct']).default('relay'))
    .option('--wire-delay <duration>', 'one-way delay each host adds onto the wire, e.g. 1ms')
    .option('--wire-jitter <duration>', 'uniform ± jitter on the wire, e.g. 100us')
    .option('--wire-loss <p>', 'loss probability on each host egress, e.g. 0.01 or 1%')
    .option('--vm-rx-delay <duration>', 'delay host tap -> VM (the guest rx path)')
    .option('--vm-tx-delay <duration>', 'delay VM -> host tap (the guest tx path)')
    .option('--clock-skew <list>', 'per-host clock skew recorded for agents, e.g. 0,5ms,-2ms')
    .option('--seed <n>', 'seed of the relays loss/jitter RNG')
    .option('--id <id>', 'lab id (4 chars a-z0-9); random by default')
    .option('--truth-log', 'relays write per-frame truth logs into the lab dir')
    .option('--json', 'print the lab status as JSON')
    .action(async (o: UpOpts) => {
      const Lab = await loadLab();
      const l = await Lab.up(buildLabSpec(o));
      const st = await l.status();
      if (o.json) process.stdout.write(JSON.stringify(st, null, 2) + '\n');
      else {
        printStatus(st);
        process.stdout.write(
          `agents in host i reach NATS at nats://169.254.${st.slot}.<4i+1>:<port> (run nats-server on 0.0.0.0)\n` +
            `take it down: xtrace lab down ${st.id}\n`,
        );
      }
    });

  lab
    .command('down')
    .description('remove a lab (namespaces, links, relays, nft tables, processes); idempotent')
    .argument('[id]', 'lab id (default: the only lab)')
    .option('--all', 'remove every lab on this machine (nested labs too)')
    .option('--json', 'print what was removed as JSON')
    .action(async (id: string | undefined, o: { all?: boolean; json?: boolean }) => {
      const Lab = await loadLab();
      let reps: TeardownReport[];
      if (o.all) {
        if (id !== undefined) throw new UsageError('--all', 'give either an id or --all');
        reps = await Lab.teardownAll();
      } else {
        if (id === undefined) {
          const ids = await Lab.listIds();
          if (ids.length === 0) throw new UsageError('id', 'no lab exists');
          if (ids.length > 1) throw new UsageError('id', `several labs exist (${ids.join(', ')}): give an id or --all`);
          id = ids[0] as string;
        }
        reps = [await Lab.teardown(id)];
      }
      // --all: nested labs too (a live one belongs to its `xtrace lab nested`, but --all means all)
      const nested = o.all ? await (await loadLabModule()).NestedLab.teardownAll({ all: true }) : [];
      if (o.json) process.stdout.write(JSON.stringify(o.all ? { labs: reps, nested } : reps, null, 2) + '\n');
      else if (reps.length === 0 && nested.length === 0) process.stdout.write('no lab to remove\n');
      else {
        for (const r of reps)
          process.stdout.write(
            `lab ${r.id} down: ${r.namespaces.length} namespaces, ${r.killedRelays} relays, ${r.killedProcesses} other processes, ${r.links.length} root links removed\n`,
          );
        for (const r of nested) process.stdout.write(`nested lab ${r.id} down: ${r.killedProcesses} processes (QEMU, socat) killed\n`);
      }
    });

  lab
    .command('status')
    .description('show the labs on this machine: namespaces, VMs with IPs, relays and knobs')
    .argument('[id]', 'one lab (default: all)')
    .option('--json', 'JSON output')
    .action(async (id: string | undefined, o: { json?: boolean }) => {
      const Lab = await loadLab();
      const ids = id !== undefined ? [id] : await Lab.listIds();
      const sts: LabStatus[] = [];
      const orphans: string[] = [];
      for (const x of ids) {
        try {
          sts.push(await Lab.attach(x).status());
        } catch (e: unknown) {
          if (id !== undefined || !(e instanceof UsageError)) throw e;
          orphans.push(x); // leftovers without a state file
        }
      }
      if (o.json) {
        process.stdout.write(JSON.stringify({ labs: sts, orphans }, null, 2) + '\n');
        return;
      }
      if (sts.length === 0 && orphans.length === 0) process.stdout.write('no lab\n');
      for (const st of sts) printStatus(st);
      for (const x of orphans) process.stdout.write(`lab ${x}: leftovers without state (remove with: xtrace lab down ${x})\n`);
    });

  registerLabNestedCommand(lab);
  return lab;
}
