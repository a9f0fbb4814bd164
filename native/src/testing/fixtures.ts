/**
 * Test support for the native addon: root gating, fixture compilation, counter reading.
 * Not a test file itself; the *.test.ts files beside the sources use it.
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

export const nativeDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const fixturesOut = path.join(nativeDir, 'test-fixtures/out');
export const fixtureObject = path.join(fixturesOut, 'fixture.bpf.o');
export const badObject = path.join(fixturesOut, 'bad.bpf.o');

/** BPF tests need root; without it they skip, except under CI=true where they must run (and fail). */
const isRoot = process.getuid?.() === 0;
export const runBpfTests = isRoot || process.env.CI === 'true';
if (!runBpfTests) {
  console.warn('[xtrace/native] skipping real-BPF tests: not root (run as root, or CI=true to force them)');
}

/** Compiles native/test-fixtures/*.bpf.c into native/test-fixtures/out (make: only when changed). */
export function buildFixtures(): void {
  execFileSync('make', ['-s', '-C', path.join(nativeDir, 'test-fixtures')], { stdio: 'pipe' });
}

/** Counter indexes of fixture.bpf.c's `counters` per-CPU array. */
export const FX_C_SEEN = 0;
export const FX_C_EMITTED = 1;
export const FX_C_RINGBUF_FULL = 2;
export const FX_C_TRACEPOINT = 3;
export const FX_C_TP_BTF = 4;
export const FX_MAGIC = 0x78746e66;
export const FX_RECORD_SIZE = 64;
/** a fixture record's last 8 bytes are its seq XOR this (so a record read from two places shows) */
export const FX_CHECK = 0x5a17c0de5a17c0den;

export function u32Key(i: number): Buffer {
  const k = Buffer.alloc(4);
  k.writeUInt32LE(i);
  return k;
}

/** Sum over CPUs of a per-CPU u64 value (8 bytes per CPU). */
export function sumPerCpu(value: Buffer | null): number {
  if (!value) return 0;
  let s = 0n;
  for (let off = 0; off + 8 <= value.length; off += 8) s += value.readBigUInt64LE(off);
  return Number(s);
}

/** A minimal Ethernet + IPv4 + UDP frame for BPF_PROG_TEST_RUN. */
export function testFrame(): Uint8Array {
  const f = Buffer.alloc(64);
  f.writeUInt16BE(0x0800, 12); // ethertype IPv4
  f[14] = 0x45; // version 4, ihl 5
  f.writeUInt16BE(50, 16); // total length
  f[23] = 17; // UDP
  return f;
}
