import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { BPF_TCX_INGRESS, BpfError, native, type NativeBpfObject } from './index.js';
import {
  buildFixtures,
  FX_C_SEEN,
  FX_C_TP_BTF,
  FX_C_TRACEPOINT,
  FX_MAGIC,
  FX_RECORD_SIZE,
  fixtureObject,
  nativeDir,
  runBpfTests,
  sumPerCpu,
  u32Key,
} from './testing/fixtures.js';
import { createVethLab, type VethLab } from './testing/netns-lab.js';

import { hasExited } from '@xtrace/proto';
function counter(obj: NativeBpfObject, idx: number): number {
  return sumPerCpu(obj.mapLookup('counters', u32Key(idx)));
}

function openLoaded(tcx: boolean): NativeBpfObject {
  const obj = native.openObject(fixtureObject);
  if (tcx) obj.setExpectedAttachType('fx_tc', BPF_TCX_INGRESS);
  obj.load();
  return obj;
}

describe.skipIf(!runBpfTests)('attachments on a veth in a namespace (real BPF)', () => {
  let lab: VethLab;
  const objects: NativeBpfObject[] = [];
  const children: ChildProcess[] = [];

  beforeAll(() => {
    buildFixtures();
    lab = createVethLab();
  });
  afterEach(() => {
    for (const c of children.splice(0)) c.kill('SIGKILL');
    native.runInNetns(lab.nsPathA, () => {
      for (const o of objects.splice(0)) o.close();
    });
  });
  afterAll(() => lab?.destroy());

  it('attaches tcx ingress, delivers one record per packet to JS, and detaches on destroy()', async () => {
    const obj = openLoaded(true);
    objects.push(obj);
    const records: Buffer[] = [];
    const rb = obj.openRingBuffer(
      'events',
      { recordSize: FX_RECORD_SIZE, batchRecords: 64, flushMs: 10, maxPendingBatches: 16 },
      (batch) => {
        for (let off = 0; off < batch.length; off += FX_RECORD_SIZE) records.push(batch.subarray(off, off + FX_RECORD_SIZE));
      },
    );
    const att = native.runInNetns(lab.nsPathA, () => obj.attachTcx('fx_tc', lab.ifindexA, 'ingress'));
    expect(att.kind).toBe('tcx');
    expect(att.program).toBe('fx_tc');
    expect(att.target).toBe(`${lab.ifA} ingress`);
    const progId = obj.programStats('fx_tc').id;
    expect(native.runInNetns(lab.nsPathA, () => native.tcxQuery(lab.ifindexA, 'ingress'))).toEqual([progId]);

    lab.ping(5);
    // ARP frames are records too: wait on the echo requests themselves, or an ARP record can end the wait
    // while the last echo request is still in a batch the addon has not flushed yet.
    const isEchoRequest = (r: Buffer): boolean => r.readUInt32LE(20) === 98; // 14 Ethernet + 20 IP + 8 ICMP + 56 payload
    await waitFor(() => records.filter(isEchoRequest).length >= 5, 3000);
    const seen = counter(obj, FX_C_SEEN);
    expect(seen).toBeGreaterThanOrEqual(5); // 5 echo requests (+ ARP)
    for (const r of records) {
      expect(r.readUInt32LE(28)).toBe(FX_MAGIC);
      expect(r.readUInt32LE(16)).toBe(lab.ifindexA);
      expect(r.readUInt32LE(20)).toBeGreaterThan(0);
    }
    await new Promise((r) => setTimeout(r, 50)); // a sixth echo request record would show up within a flush
    expect(records.filter(isEchoRequest).length).toBe(5);

    att.destroy();
    att.destroy(); // idempotent
    expect(native.runInNetns(lab.nsPathA, () => native.tcxQuery(lab.ifindexA, 'ingress'))).toEqual([]);
    // counted once detached: a frame between the count above and the detach (a late ARP frame on
    // a loaded machine) is still the program's
    const atDetach = counter(obj, FX_C_SEEN);
    lab.ping(2);
    await rb.close();
    expect(counter(obj, FX_C_SEEN)).toBe(atDetach);
  });

  it('fails tcx attach with a BpfError naming the device when it does not exist', () => {
    const obj = openLoaded(true);
    objects.push(obj);
    let err: unknown;
    try {
      native.runInNetns(lab.nsPathA, () => obj.attachTcx('fx_tc', 999_999, 'egress'));
    } catch (e: unknown) {
      err = e;
    }
    expect(err).toBeInstanceOf(BpfError);
    expect((err as BpfError).op).toBe('attachTcx');
    expect((err as BpfError).errnoName).toBe('ENODEV');
    expect((err as BpfError).message).toContain('ifindex 999999 egress');
  });

  it('attaches classic clsact with our handle and priority, and detaches on destroy()', () => {
    const obj = openLoaded(false);
    objects.push(obj);
    const att = native.runInNetns(lab.nsPathA, () => obj.attachClsact('fx_tc', lab.ifindexA, 'ingress'));
    expect(att.kind).toBe('clsact');
    const filters = lab.tcFilters('ingress');
    expect(filters).toMatch(/pref 30836 bpf/);
    expect(filters).toMatch(/handle 0x7874/);
    const before = counter(obj, FX_C_SEEN);
    lab.ping(3);
    expect(counter(obj, FX_C_SEEN) - before).toBeGreaterThanOrEqual(3);
    // a second filter with our handle/priority is refused, naming the recovery
    expect(() => native.runInNetns(lab.nsPathA, () => obj.attachClsact('fx_tc', lab.ifindexA, 'ingress'))).toThrow(
      /removeStaleClsactFilters/,
    );
    // destroy() from outside the namespace still detaches in the filter's namespace
    att.destroy();
    expect(lab.tcFilters('ingress')).not.toMatch(/pref 30836/);
  });

  it('check() finds a tcx link detached by another process (bpftool link detach) and a clsact filter deleted by tc', () => {
    const obj = openLoaded(true);
    objects.push(obj);
    const tcx = native.runInNetns(lab.nsPathA, () => obj.attachTcx('fx_tc', lab.ifindexA, 'ingress'));
    expect(tcx.check()).toEqual({ attached: true });
    const linkId = linkIdOf(obj.programStats('fx_tc').id);
    execFileSync('bpftool', ['link', 'detach', 'id', String(linkId)]);
    const found = tcx.check();
    expect(found.attached).toBe(false);
    expect(found.attached ? '' : found.found).toContain(`tcx link (id ${linkId},`);
    tcx.destroy();
    expect(tcx.check()).toEqual({ attached: false, found: 'destroyed by xtrace' });

    const other = openLoaded(false);
    objects.push(other);
    const cls = native.runInNetns(lab.nsPathA, () => other.attachClsact('fx_tc', lab.ifindexA, 'ingress'));
    expect(cls.check()).toEqual({ attached: true }); // from outside the namespace too
    execFileSync('ip', ['netns', 'exec', lab.nsA, 'tc', 'filter', 'del', 'dev', lab.ifA, 'ingress', 'pref', String(0x7874)]);
    const gone = cls.check();
    expect(gone.attached ? '' : gone.found).toMatch(/^no xtrace filter .* on the clsact ingress hook/);
    // a tracepoint link has no detach from outside: attached until destroy()
    const tp = other.attachTracepoint('fx_tp', 'net', 'netif_receive_skb');
    expect(tp.check()).toEqual({ attached: true });
    tp.destroy();
  });

  it('attaches a tracepoint and a tp_btf program', async () => {
    const obj = openLoaded(false);
    objects.push(obj);
    const tp = obj.attachTracepoint('fx_tp', 'net', 'netif_receive_skb');
    expect(tp.kind).toBe('tracepoint');
    expect(tp.target).toBe('net:netif_receive_skb');
    const btf = obj.attachAuto('fx_tp_btf');
    expect(btf.kind).toBe('raw_tracepoint');
    expect(btf.target).toBe('tp_btf/netif_receive_skb');
    lab.ping(3);
    expect(counter(obj, FX_C_TRACEPOINT)).toBeGreaterThanOrEqual(3);
    expect(counter(obj, FX_C_TP_BTF)).toBeGreaterThanOrEqual(3);
    tp.destroy();
    btf.destroy();
    const t = counter(obj, FX_C_TRACEPOINT);
    lab.ping(2);
    expect(counter(obj, FX_C_TRACEPOINT)).toBe(t);
    expect(() => obj.attachTracepoint('fx_tp', 'net', 'no_such_tracepoint_xtn')).toThrow(BpfError);
  });

  it('leaves no tcx link behind when the agent is SIGKILLed', async () => {
    const child = await startChild(lab, 'tcx', 'wait');
    children.push(child);
    const ids = native.runInNetns(lab.nsPathA, () => native.tcxQuery(lab.ifindexA, 'ingress'));
    expect(ids.length).toBe(1);
    await kill(child);
    await waitFor(() => native.runInNetns(lab.nsPathA, () => native.tcxQuery(lab.ifindexA, 'ingress')).length === 0, 3000);
  });

  it('removes stale clsact filters left by a SIGKILLed agent', async () => {
    const child = await startChild(lab, 'clsact', 'wait');
    children.push(child);
    await kill(child);
    expect(lab.tcFilters('ingress')).toMatch(/pref 30836/); // classic filters survive the process
    expect(native.runInNetns(lab.nsPathA, () => native.removeStaleClsactFilters(lab.ifindexA))).toBe(1);
    expect(lab.tcFilters('ingress')).not.toMatch(/pref 30836/);
    expect(native.runInNetns(lab.nsPathA, () => native.removeStaleClsactFilters(lab.ifindexA))).toBe(0);
  });

  it("detaches clsact filters in the process 'exit' safety net", async () => {
    const child = await startChild(lab, 'clsact', 'exit');
    await new Promise((r) => child.once('exit', r));
    expect(lab.tcFilters('ingress')).not.toMatch(/pref 30836/);
  });

  it('detaches clsact filters when an unclosed object is garbage-collected', async () => {
    const child = await startChild(lab, 'clsact', 'gc', 'collected');
    children.push(child);
    expect(lab.tcFilters('ingress')).not.toMatch(/pref 30836/);
  });
});

/** the id of the one BPF link that runs program progId (bpftool's view: any process's links) */
function linkIdOf(progId: number): number {
  const links = JSON.parse(execFileSync('bpftool', ['-j', 'link', 'show'], { encoding: 'utf8' })) as { id: number; prog_id: number }[];
  const mine = links.filter((l) => l.prog_id === progId);
  if (mine.length !== 1) throw new Error(`expected one link of program ${progId}, got ${JSON.stringify(mine)}`);
  return mine[0]!.id;
}

function startChild(lab: VethLab, kind: string, mode: string, ready = 'attached'): Promise<ChildProcess> {
  const child = spawn(
    'ip',
    [
      'netns',
      'exec',
      lab.nsA,
      process.execPath,
      '--expose-gc',
      '--import',
      'tsx',
      path.join(nativeDir, 'src/testing/child-attach.ts'),
      fixtureObject,
      lab.ifA,
      kind,
      mode,
    ],
    { cwd: nativeDir, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`child did not get ready: ${out} ${err}`));
    }, 20_000);
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes(ready)) {
        clearTimeout(timer);
        resolve(child);
      }
    });
    child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    child.on('exit', (code) => {
      if (!out.includes(ready)) {
        clearTimeout(timer);
        reject(new Error(`child exited (${code}) before ready: ${out} ${err}`));
      }
    });
  });
}

function kill(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (hasExited(child)) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  });
}

async function waitFor(cond: () => boolean, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 10));
  }
}
