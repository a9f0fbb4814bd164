/**
 * The map layouts TypeScript writes (node-agent bpf-layouts) against the compiled object's
 * BTF: a change on one side only fails here, not as silently wrong filtering in the kernel.
 * The C defines that have a TypeScript twin are read from the header itself (they are not in BTF).
 * (The record layout is checked field by field in packet-identity.test.ts.)
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { CAPTURE_BYTES, COUNTER_COUNT, MAX_PROBES } from '@xtrace/proto';
import { describe, expect, it } from 'vitest';
import {
  BATCH_RECORDS,
  BATCH_VALUE_SIZE,
  CONFIG_SIZE,
  DEFAULT_BPF_OBJECT,
  LEARN_KEY_SIZE,
  PROBE_KEY_SIZE,
  PROBE_SLOT_SIZE,
  PROBE_VALUE_SIZE,
  SLOTS_PER_PAIR,
  STAGE_KEY_SIZE,
  STAGE_VALUE_SIZE,
  DEV_STAGE_VALUE_SIZE,
} from '@xtrace/node-agent/tracing';

interface BtfMember {
  name: string;
  bits_offset: number;
}
interface BtfType {
  kind: string;
  name?: string;
  size?: number;
  members?: BtfMember[];
}

describe('ABI defines', () => {
  const header = readFileSync(new URL('../include/xtrace_abi.h', import.meta.url), 'utf8');
  const define = (name: string): number => {
    const m = new RegExp(`^#define ${name} (\\d+)\\b`, 'm').exec(header);
    if (!m) throw new Error(`#define ${name} <number> not in xtrace_abi.h`);
    return Number(m[1]);
  };

  it('probe slots and per-CPU batch records are the same numbers in C and TypeScript', () => {
    expect(define('XT_MAX_PROBES')).toBe(MAX_PROBES);
    expect(define('XT_BATCH_RECORDS')).toBe(BATCH_RECORDS);
    expect(define('XT_CAPTURE_BYTES')).toBe(CAPTURE_BYTES);
  });
});

describe.skipIf(!existsSync(DEFAULT_BPF_OBJECT))('BPF map ABI', () => {
  const types = (JSON.parse(execFileSync('bpftool', ['-j', 'btf', 'dump', 'file', DEFAULT_BPF_OBJECT]).toString()) as { types: BtfType[] }).types;
  const struct = (name: string): BtfType => {
    const t = types.find((x) => x.kind === 'STRUCT' && x.name === name);
    if (!t) throw new Error(`struct ${name} not in the object's BTF`);
    return t;
  };
  const offset = (s: BtfType, member: string): number => (s.members?.find((m) => m.name === member)?.bits_offset ?? -8) / 8;

  it('sizes match the TypeScript encoders', () => {
    expect(struct('xt_stage_key').size).toBe(STAGE_KEY_SIZE);
    expect(struct('xt_stage_value').size).toBe(STAGE_VALUE_SIZE);
    expect(struct('xt_config').size).toBe(CONFIG_SIZE);
    expect(offset(struct('xt_config'), 'flags')).toBe(12);
    // the drain thread reads each CPU's count of waiting records from the value's first word
    expect(struct('xt_batch').size).toBe(BATCH_VALUE_SIZE);
    expect([offset(struct('xt_batch'), 'n'), offset(struct('xt_batch'), 'r')]).toEqual([0, 8]);
    expect(struct('xt_probe_key').size).toBe(PROBE_KEY_SIZE);
    expect(struct('xt_probe_slot').size).toBe(PROBE_SLOT_SIZE);
    expect(struct('xt_probe_value').size).toBe(PROBE_VALUE_SIZE);
    expect(struct('xt_learn_key').size).toBe(LEARN_KEY_SIZE);
    expect(struct('xt_dev_stage').size).toBe(DEV_STAGE_VALUE_SIZE);
    // every counter in one per-CPU element, indexed like proto's Counter table
    expect(struct('xt_counter_set').size).toBe(COUNTER_COUNT * 8);
  });

  it('the probe slot carries the capture snaplen where probeValue writes it', () => {
    // (struct xt_capture is not in BTF, only reached through a ring reservation: capture.test.ts
    // checks its layout by the values the program writes)
    expect(offset(struct('xt_probe_slot'), 'snaplen')).toBe(12);
  });

  it('probe value and slot offsets match', () => {
    const value = struct('xt_probe_value');
    expect([offset(value, 'slot_mask'), offset(value, 'slot_ids'), offset(value, 'slots')]).toEqual([0, 4, 8]);
    expect(SLOTS_PER_PAIR * PROBE_SLOT_SIZE + 8).toBe(PROBE_VALUE_SIZE);
    const slot = struct('xt_probe_slot');
    expect([offset(slot, 'proto'), offset(slot, 'src_is_lo'), offset(slot, 'port'), offset(slot, 'sample_n'), offset(slot, 'sample_k')]).toEqual([0, 1, 2, 4, 8]);
    expect(offset(struct('xt_learn_key'), 'addr')).toBe(8);
  });
});
