/**
 * The pcapng writer and a probe's captures, read back by tshark (Debian's, installed by
 * setup.sh): interfaces per host and stage, ns timestamps with the clock offset taken out, the
 * offset named in the interface comment, original and captured lengths, padding.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CAPTURE_SIZE, CaptureOffset, Stage, type ClockReport } from '@xtrace/proto';
import { writePcapng } from './pcapng-writer.js';
import { ProbeCaptures } from './probe-captures.js';

function hasTshark(): boolean {
  try {
    execFileSync('tshark', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    if (process.env['CI'] === 'true') throw new Error('tshark is missing: ./setup.sh installs it, CI must run this test');
    return false;
  }
}

/** An Ethernet + IPv4 + ICMP echo request frame of `payload` bytes. */
function icmpFrame(seq: number, payload: number): Buffer {
  const f = Buffer.alloc(14 + 20 + 8 + payload, 0x61);
  f.fill(0, 0, 42);
  f[0] = 0x02;
  f[6] = 0x02;
  f.writeUInt16BE(0x0800, 12);
  f[14] = 0x45;
  f.writeUInt16BE(20 + 8 + payload, 16);
  f[22] = 64;
  f[23] = 1;
  Buffer.from([10, 0, 0, 1, 10, 0, 0, 2]).copy(f, 26);
  f[34] = 8;
  f[35] = 0;
  f.writeUInt16BE(0, 36);
  f.writeUInt16BE(77, 38);
  f.writeUInt16BE(seq, 40);
  return f;
}

/** a packed capture as BPF writes it (bpf/include/xtrace_abi.h struct xt_capture) */
function capture(c: { tsNs: bigint; pktId: bigint; stage: number; frame: Buffer; snaplen: number }): Buffer {
  const b = Buffer.alloc(CAPTURE_SIZE);
  const n = Math.min(c.snaplen, c.frame.length);
  b.writeBigUInt64LE(c.tsNs, CaptureOffset.tsNs);
  b.writeBigUInt64LE(c.pktId, CaptureOffset.pktId);
  b.writeUInt32LE(1, CaptureOffset.probeMask);
  b.writeUInt32LE(c.frame.length, CaptureOffset.len);
  b.writeUInt16LE(c.stage, CaptureOffset.stage);
  b.writeUInt16LE(n, CaptureOffset.caplen);
  c.frame.copy(b, CaptureOffset.data, 0, n);
  return b;
}

const dir = mkdtempSync(join(tmpdir(), 'xtrace-pcapng-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function tsharkFields(bytes: Buffer, fields: string[]): string[][] {
  const file = join(dir, `f${Math.random().toString(36).slice(2)}.pcapng`);
  writeFileSync(file, bytes);
  const out = execFileSync('tshark', ['-r', file, '-T', 'fields', '-E', 'separator=|', ...fields.flatMap((f) => ['-e', f])], { encoding: 'utf8' });
  return out
    .trim()
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => l.split('|'));
}

/** the interface blocks' comments, read from the file by capinfos (wireshark-common, with tshark) */
function interfaceComments(bytes: Buffer): string {
  const file = join(dir, `c${Math.random().toString(36).slice(2)}.pcapng`);
  writeFileSync(file, bytes);
  return execFileSync('capinfos', ['-I', file], { encoding: 'utf8' });
}

describe.skipIf(!hasTshark())('pcapng writer (read back by tshark)', () => {
  it('writes interfaces, ns timestamps, lengths and odd-sized packets tshark reads as written', () => {
    const frames = [icmpFrame(1, 3), icmpFrame(2, 100)]; // 45 bytes (padded in the file) and 142 bytes
    const bytes = writePcapng({
      application: 'xtrace-test',
      interfaces: [
        { name: 'hv-a.tap_rx', description: 'first', comment: 'offset 0', snaplen: 128 },
        { name: 'hv-b.nic_rx', snaplen: 128 },
      ],
      packets: [
        { interfaceId: 0, timestampNs: 1_700_000_000_123_456_789n, originalLength: frames[0]!.length, data: frames[0]! },
        { interfaceId: 1, timestampNs: 1_700_000_000_123_457_001n, originalLength: frames[1]!.length, data: frames[1]!.subarray(0, 128), comment: 'truncated' },
      ],
    });
    expect(bytes.length % 4).toBe(0);
    const rows = tsharkFields(bytes, ['frame.interface_name', 'frame.time_epoch', 'icmp.seq', 'frame.len', 'frame.cap_len']);
    expect(rows).toEqual([
      ['hv-a.tap_rx', '1700000000.123456789', '1', '45', '45'],
      ['hv-b.nic_rx', '1700000000.123457001', '2', '142', '128'],
    ]);
  });

  it("a probe's captures: an interface per host and stage, the other host's offset taken out and named", () => {
    const caps = new ProbeCaptures(128);
    // hv-b's clock is 5 ms ahead of hv-a's; the request takes 40 µs from hv-a's tap_rx to hv-b's nic_rx
    const offsetNs = 5_000_000n;
    const monoA = 1_000_000_000n;
    const realA = 1_700_000_000_000_000_000n;
    const f = icmpFrame(9, 56);
    const id = 0xabcdef0123456789n;
    caps.add('hv-a', { monoNs: monoA + 1_000_000n, realNs: realA + 1_000_000n }, Buffer.concat([
      capture({ tsNs: monoA, pktId: id, stage: Stage.tap_rx, frame: f, snaplen: 128 }),
      capture({ tsNs: monoA + 10_000n, pktId: id, stage: Stage.nic_tx, frame: f, snaplen: 128 }),
    ]));
    caps.add('hv-b', { monoNs: monoA + offsetNs, realNs: realA + 123n }, capture({ tsNs: monoA + offsetNs + 40_000n, pktId: id, stage: Stage.nic_rx, frame: f, snaplen: 128 }));
    const clock: ClockReport[] = [{ hosts: ['hv-a', 'hv-b'], offset_us: 5000, uncertainty_us: 2.5, samples: 12, min_delay_us: 60, source: 'pairs' }];
    const file = caps.build({ probe_id: 'p1', src: '10.0.0.1', dst: '10.0.0.2', hosts: ['hv-a', 'hv-b'] }, clock);
    expect([file.packets, file.dropped]).toEqual([3, 0]);
    const rows = tsharkFields(file.pcapng, ['frame.interface_name', 'frame.time_epoch', 'icmp.seq']);
    expect(rows).toEqual([
      ['hv-a.tap_rx', '1700000000.000000000', '9'],
      ['hv-a.nic_tx', '1700000000.000010000', '9'],
      ['hv-b.nic_rx', '1700000000.000040000', '9'], // on hv-a's axis: 40 µs after tap_rx, not 5 ms
    ]);
    const info = interfaceComments(file.pcapng);
    expect(info).toContain('offset_ns=5000000 uncertainty_ns=2500');
    expect(info).toContain('+5000.000 us ± 2.500 us');
  });

  it('keeps at most its bound of captures and counts the rest, with those agents did not send', () => {
    const caps = new ProbeCaptures(64, 2);
    const f = icmpFrame(1, 8);
    const three = Buffer.concat([1n, 2n, 3n].map((i) => capture({ tsNs: i, pktId: i, stage: Stage.nic_rx, frame: f, snaplen: 64 })));
    caps.add('hv-a', { monoNs: 0n, realNs: 0n }, three);
    // what an agent did not send counts too (its envelopes' cumulative capturesDropped: the last one holds)
    caps.add('hv-b', { monoNs: 0n, realNs: 0n }, undefined, 4);
    caps.add('hv-b', { monoNs: 0n, realNs: 0n }, undefined, 7);
    const file = caps.build({ probe_id: 'p2', src: '10.0.0.1', dst: '10.0.0.2', hosts: ['hv-a', 'hv-b'] }, []);
    expect([file.packets, file.dropped]).toEqual([2, 1 + 7]);
    expect(tsharkFields(file.pcapng, ['frame.interface_name'])).toEqual([['hv-a.nic_rx'], ['hv-a.nic_rx']]);
  });
});
