/**
 * Child process for crash/exit/GC tests (run inside a namespace with `ip netns exec`):
 *   node --import tsx child-attach.ts <object> <ifname> <tcx|clsact> <wait|exit|gc>
 * wait: attach, print "attached", then wait to be killed;
 * exit: attach, print "attached", process.exit(0) without closing (the 'exit' safety net cleans up);
 * gc:   attach in a scope, drop every reference, force GC (needs --expose-gc), print "collected".
 */
import { readFileSync } from 'node:fs';
import { native, BPF_TCX_INGRESS } from '../index.js';

const [objectPath, ifname, kind, mode] = process.argv.slice(2);
if (!objectPath || !ifname || !kind || !mode) throw new Error('usage: child-attach <object> <ifname> <kind> <mode>');
const ifindex = Number(readFileSync(`/sys/class/net/${ifname}/ifindex`, 'utf8').trim());

function attach(): void {
  const obj = native.openObject(objectPath!);
  obj.setAutoload('fx_tp', false);
  obj.setAutoload('fx_tp_btf', false);
  if (kind === 'tcx') obj.setExpectedAttachType('fx_tc', BPF_TCX_INGRESS);
  obj.load();
  if (kind === 'tcx') obj.attachTcx('fx_tc', ifindex, 'ingress');
  else obj.attachClsact('fx_tc', ifindex, 'ingress');
}

if (mode === 'gc') {
  attach();
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('run with --expose-gc');
  for (let i = 0; i < 10; i++) {
    gc();
    await new Promise((r) => setTimeout(r, 20));
  }
  console.log('collected');
  // keep the process (and its tcx links, if any survived) alive until the parent checks
  setTimeout(() => process.exit(0), 60_000);
} else {
  attach();
  console.log('attached');
  if (mode === 'exit') process.exit(0);
  setInterval(() => undefined, 1000);
}
