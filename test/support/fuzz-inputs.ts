/**
 * Malformed inputs for the bad-input fuzz test (test/integration/fuzz-bad-input.test.ts), from a
 * seeded PRNG so a failure reproduces with its seed. Each generator says what the receiver must
 * do with its input: an event envelope is either `malformed` (the controller drops and counts
 * it) or `accepted` (well formed, only absurd: seq backwards or far ahead, absurd clocks, a
 * flood of unique packet ids); every command, heartbeat, KV entry and gRPC request it makes is
 * invalid in at least one field, so a valid one never slips through and starts something.
 */
import { Packr } from 'msgpackr';
import { ENVELOPE_VERSION, MAX_ENVELOPE_BYTES, RECORD_SIZE, RecordOffset, Stage } from '@xtrace/proto';

/** mulberry32: small, fast, and the same sequence for the same seed everywhere */
export class Rng {
  private s: number;
  constructor(readonly seed: number) {
    this.s = seed >>> 0;
  }
  next(): number {
    this.s = (this.s + 0x6d2b79f5) >>> 0;
    let t = this.s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  /** an integer in [0, n) */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  pick<T>(a: readonly T[]): T {
    return a[this.int(a.length)]!;
  }
  bytes(n: number): Buffer {
    const b = Buffer.allocUnsafe(n);
    for (let i = 0; i < n; i++) b[i] = this.int(256);
    return b;
  }
  /** printable junk, sometimes with characters no token allows */
  text(n: number): string {
    const chars = 'abcXYZ019_-. /\\:;{}[]"\'\u00e9\u4e2d\u0000\n';
    let s = '';
    for (let i = 0; i < n; i++) s += chars[this.int(chars.length)];
    return s;
  }
}

const packr = new Packr({ useRecords: false, int64AsType: 'bigint', mapsAsObjects: true });

/** a JSON value of any shape, never a valid command or heartbeat (no op, no host) */
export function junkJson(rng: Rng, depth = 0): unknown {
  switch (rng.int(depth > 2 ? 5 : 7)) {
    case 0:
      return rng.next() * 10 ** rng.int(30) * (rng.int(2) ? -1 : 1);
    case 1:
      return rng.text(rng.int(40));
    case 2:
      return null;
    case 3:
      return rng.int(2) === 0;
    case 4:
      return rng.int(1000);
    case 5:
      return Array.from({ length: rng.int(5) }, () => junkJson(rng, depth + 1));
    default:
      return Object.fromEntries(Array.from({ length: rng.int(5) }, () => [rng.text(1 + rng.int(8)), junkJson(rng, depth + 1)]));
  }
}

/** a value that is never a string */
function notString(rng: Rng): unknown {
  return rng.pick([5, -1, 1.5, null, true, [], {}, ['a'], { a: 1 }]);
}

// ---- (a) event envelopes on xtrace.ev.<probe>.<host> ----

export interface EnvelopeCase {
  kind: string;
  subjectHost: string;
  data: Uint8Array;
  expect: 'malformed' | 'accepted';
}

export interface EnvelopeTarget {
  probeId: string;
  /** the probe's path hosts */
  hosts: readonly string[];
}

const FLOOD_STAGES = [Stage.tap_rx, Stage.nic_tx, Stage.nic_rx, Stage.tap_tx];
/** records per flood envelope: a few hundred floods overflow the matcher's 200,000-slot pool (matcher-options.ts maxPending) */
export const FLOOD_RECORDS = 1024;

/** `n` records of unique random packet ids at real stages, every probe bit set: they all reach the matcher's slot pool */
export function floodRecords(rng: Rng, n: number): Buffer {
  const b = Buffer.alloc(n * RECORD_SIZE);
  for (let i = 0; i < n; i++) {
    const o = i * RECORD_SIZE;
    b.writeUInt32LE(rng.int(2 ** 32), o + RecordOffset.tsNs);
    b.writeUInt32LE(rng.int(2 ** 20), o + RecordOffset.tsNs + 4);
    b.writeUInt32LE(rng.int(2 ** 32), o + RecordOffset.pktId);
    b.writeUInt32LE(rng.int(2 ** 32), o + RecordOffset.pktId + 4);
    b.writeUInt32LE(0xffffffff, o + RecordOffset.probeMask);
    b.writeUInt16LE(rng.pick(FLOOD_STAGES), o + RecordOffset.stage);
    b.writeUInt8(rng.int(2), o + RecordOffset.flags);
    b.writeUInt8(1, o + RecordOffset.proto);
    b.writeUInt32LE(rng.int(2 ** 32), o + RecordOffset.flowHash);
  }
  return b;
}

/** the kinds a malformed envelope comes in, and how the well-formed absurd ones look */
export const ENVELOPE_KINDS = ['random-bytes', 'truncated', 'wrong-type', 'bad-record-size', 'oversize', 'subject-mismatch', 'stray-host', 'seq-backwards', 'seq-huge', 'absurd-clock', 'huge-counters', 'flood'] as const;

export function envelopeCase(rng: Rng, t: EnvelopeTarget, kind: (typeof ENVELOPE_KINDS)[number]): EnvelopeCase {
  const host = rng.pick(t.hosts);
  const base = (): Record<string, unknown> => ({
    v: ENVELOPE_VERSION,
    host,
    bootId: rng.int(2) ? `boot-${host}` : `fuzz-boot-${rng.int(4)}`,
    probe: t.probeId,
    seq: 1 + rng.int(1000),
    clock: { monoNs: BigInt(rng.int(2 ** 31)) * 1000n, realNs: 1_700_000_000_000_000_000n + BigInt(rng.int(2 ** 31)) },
    counters: { ringbuf_full: rng.int(10) },
    records: rng.bytes(RECORD_SIZE * rng.int(4)),
  });
  const malformed = (data: Uint8Array, subjectHost = host): EnvelopeCase => ({ kind, subjectHost, data, expect: 'malformed' });
  const accepted = (env: Record<string, unknown>): EnvelopeCase => ({ kind, subjectHost: host, data: packr.pack(env), expect: 'accepted' });
  switch (kind) {
    case 'random-bytes':
      return malformed(rng.bytes(rng.int(2048)));
    case 'truncated': {
      const whole = packr.pack(base());
      return malformed(whole.subarray(0, rng.int(whole.length)));
    }
    case 'wrong-type': {
      const env = base();
      const field = rng.pick(['v', 'host', 'bootId', 'probe', 'seq', 'clock', 'records', 'clock.monoNs', 'clock.realNs', '(whole)']);
      const bad: Record<string, () => unknown> = {
        v: () => rng.pick([2, 0, 'one', null, 1.5]),
        host: () => (rng.int(2) ? notString(rng) : 'h'.repeat(129 + rng.int(1000))),
        bootId: () => (rng.int(2) ? notString(rng) : 'b'.repeat(129 + rng.int(1000))),
        probe: () => (rng.int(2) ? notString(rng) : 'p'.repeat(129 + rng.int(1000))),
        seq: () => rng.pick([0, -1, 1.5, 'x', null, 2n ** 64n - 1n, -5n, [1]]),
        clock: () => rng.pick([3, 'now', null, [1, 2], {}]),
        records: () => rng.pick(['records', 7, null, [1, 2, 3], { a: 1 }]),
        'clock.monoNs': () => rng.pick(['x', 1.5, null, {}, [1n]]),
        'clock.realNs': () => rng.pick(['x', -0.5, true, []]),
      };
      if (field === '(whole)') return malformed(packr.pack(rng.pick([5, 'envelope', null, [env], true])));
      if (field.startsWith('clock.')) (env['clock'] as Record<string, unknown>)[field.slice(6)] = bad[field]!();
      else if (rng.int(8) === 0) delete env[field];
      else env[field] = bad[field]!();
      return malformed(packr.pack(env));
    }
    case 'bad-record-size':
      return malformed(packr.pack({ ...base(), records: rng.bytes(RECORD_SIZE * rng.int(64) + 1 + rng.int(RECORD_SIZE - 1)) }));
    case 'oversize':
      return malformed(packr.pack({ ...base(), records: Buffer.alloc(MAX_ENVELOPE_BYTES + RECORD_SIZE * (1 + rng.int(16))) }));
    case 'subject-mismatch': {
      const env = base();
      if (rng.int(2)) env['probe'] = `p${rng.int(1e6)}`;
      else env['host'] = t.hosts.length > 1 && rng.int(2) ? t.hosts.find((h) => h !== host)! : `xtfz-other-${rng.int(100)}`;
      return malformed(packr.pack(env));
    }
    case 'stray-host': {
      const stray = `xtfz-stray-${rng.int(1e6)}`;
      return malformed(packr.pack({ ...base(), host: stray }), stray);
    }
    case 'seq-backwards':
      return accepted({ ...base(), seq: 1 + rng.int(3) });
    case 'seq-huge':
      return accepted({ ...base(), seq: rng.pick([Number.MAX_SAFE_INTEGER, 2 ** 40 + rng.int(1e6), BigInt(Number.MAX_SAFE_INTEGER)]) });
    case 'absurd-clock': {
      const absurd = (): bigint => rng.pick([0n, -(2n ** 63n), 2n ** 63n - 1n, 2n ** 64n - 1n, -1n, 1n]);
      return accepted({ ...base(), clock: { monoNs: absurd(), realNs: absurd() } });
    }
    case 'huge-counters': {
      const counters: Record<string, unknown> = {};
      for (let i = 0, n = rng.int(1000); i < n; i++) counters[`c${i}_${rng.text(4)}`] = rng.pick([2n ** 64n - 1n, -1, 1e300, 'x', null, i]);
      return accepted({ ...base(), counters });
    }
    case 'flood':
      return accepted({ ...base(), records: floodRecords(rng, FLOOD_RECORDS) });
  }
}

// ---- (b) agent commands on xtrace.agent.<host>.cmd ----

export interface CommandCase {
  kind: string;
  data: Uint8Array;
}

const VALID_START = { op: 'startProbe', probeId: 'pfuzz', src: '10.200.0.1', dst: '10.200.0.2', proto: 'udp', port: 53, sample: { k: 1, n: 10 }, durationMs: 1000, leaseMs: 1000, controllerId: 'fuzz' };

/** one field of a startProbe made bad (every other one valid) */
function badStartProbe(rng: Rng): Record<string, unknown> {
  const c: Record<string, unknown> = { ...VALID_START };
  const field = rng.pick(['probeId', 'src', 'dst', 'proto', 'port', 'sample', 'durationMs', 'leaseMs', 'controllerId', 'extra']);
  const bad: Record<string, () => unknown> = {
    probeId: () => rng.pick(['', 'a.b', 'a b', 'x'.repeat(129 + rng.int(5000)), 5, null, ['p']]),
    src: () => rng.pick(['999.1.1.1', '10.0.0', 'x'.repeat(rng.int(60_000)), 5, '', '10.200.0.2']),
    dst: () => rng.pick(['10.200.0.1', '::1', 'host', 7, '', 'y'.repeat(rng.int(60_000))]),
    proto: () => rng.pick(['sctp', 'ICMP', 5, '', true]),
    port: () => rng.pick([0, 70_000, -1, 1.5, '53', 2 ** 53]),
    sample: () => rng.pick([{ k: 5, n: 2 }, { k: 0, n: 1 }, { k: 1, n: 2 ** 33 }, { k: 1 }, 'x', [1, 10], { k: 1, n: 10, z: 1 }]),
    durationMs: () => rng.pick([0, -1, 1e20, 7 * 24 * 3_600_000 + 1, 1.5, '1000']),
    leaseMs: () => rng.pick([50, 0, 1e12, 'x']),
    controllerId: () => rng.pick([5, 'c'.repeat(257 + rng.int(10_000)), {}]),
    extra: () => junkJson(rng),
  };
  if (field === 'extra') c[`x${rng.int(1000)}`] = bad['extra']!();
  else if (field === 'proto' && rng.int(3) === 0) {
    c['proto'] = 'icmp'; // with the base's port: not allowed
  } else c[field] = bad[field]!();
  return c;
}

export const COMMAND_KINDS = ['not-json', 'junk-json', 'bad-op', 'start-probe', 'stop-probe', 'update-probe', 'renew', 'status-extra', 'oversize'] as const;

export function commandCase(rng: Rng, kind: (typeof COMMAND_KINDS)[number]): CommandCase {
  const json = (v: unknown): CommandCase => ({ kind, data: Buffer.from(JSON.stringify(v)) });
  switch (kind) {
    case 'not-json':
      return { kind, data: Buffer.concat([Buffer.from(rng.pick(['{', '[', '"', 'x', '\u0000'])), rng.bytes(rng.int(512))]) };
    case 'junk-json': {
      let v = junkJson(rng);
      if (typeof v === 'object' && v !== null && !Array.isArray(v)) delete (v as Record<string, unknown>)['op'];
      if (v === undefined) v = null;
      return json(v);
    }
    case 'bad-op':
      return json({ op: rng.pick(['launch', '', 'STATUS', 'startprobe', 5, null, ['status'], { op: 'status' }]), probeId: 'p1' });
    case 'start-probe':
      return json(badStartProbe(rng));
    case 'stop-probe':
      return json({ op: 'stopProbe', probeId: rng.pick(['', 'a.b', 'x'.repeat(200), 5, null]) });
    case 'update-probe':
      return json(rng.int(2) ? { op: 'updateProbe', probeId: 'p1', sample: { k: 3, n: 1 } } : { op: 'updateProbe', probeId: 'p1', durationMs: rng.pick([0, -5, 1e30, 'x']) });
    case 'renew':
      return json(
        rng.pick([
          { op: 'renew', probeIds: 'p1' },
          { op: 'renew', probeIds: ['ok', 'bad id'] },
          { op: 'renew', probeIds: Array.from({ length: 1025 + rng.int(3000) }, (_, i) => `p${i}`) },
          { op: 'renew', probeIds: [], leaseMs: -1 },
          { op: 'renew' },
        ]),
      );
    case 'status-extra':
      return json({ op: 'status', [rng.text(1 + rng.int(10)) || 'x']: junkJson(rng) });
    case 'oversize':
      return json({ op: 'status', pad: 'x'.repeat(64 * 1024 + rng.int(200_000)) });
  }
}

// ---- (c) heartbeats and announcements ----

const VALID_HEARTBEAT = {
  v: 1,
  host: 'xtfz-hb',
  bootId: 'b1',
  seq: 1,
  sentAtMs: 1,
  startedAtMs: 1,
  version: 'fuzz',
  heartbeatMs: 2000,
  inventory: { netns: 1, interfaces: [], vms: [{ tap: 'tap0', ifindex: 5, addresses: ['10.201.0.1'] }], stages: [{ stage: 'tap_rx', attached: true }] },
  probes: [],
  counters: {},
};

export const HEARTBEAT_KINDS = ['not-json', 'junk-json', 'bad-field'] as const;

/** a heartbeat or announcement that must be refused (random bytes, a JSON value, a heartbeat with one bad field) */
export function heartbeatCase(rng: Rng, kind: (typeof HEARTBEAT_KINDS)[number]): { kind: string; data: Uint8Array } {
  if (kind === 'not-json') return { kind, data: Buffer.concat([Buffer.from(rng.pick(['{', '[', 'x', '\u0000'])), rng.bytes(rng.int(512))]) };
  if (kind === 'junk-json') {
    const v = junkJson(rng);
    if (typeof v === 'object' && v !== null && !Array.isArray(v)) delete (v as Record<string, unknown>)['host'];
    return { kind, data: Buffer.from(JSON.stringify(v ?? null)) };
  }
  const hb = structuredClone(VALID_HEARTBEAT) as Record<string, unknown> & typeof VALID_HEARTBEAT;
  switch (rng.int(9)) {
    case 0:
      hb.host = rng.pick(['', 'a.b', 'x'.repeat(129), 'with space']);
      break;
    case 1:
      (hb as Record<string, unknown>)['host'] = notString(rng);
      break;
    case 2:
      (hb as Record<string, unknown>)['bootId'] = rng.int(2) ? notString(rng) : 'b'.repeat(129 + rng.int(1000));
      break;
    case 3:
      (hb.inventory as Record<string, unknown>)['vms'] = [rng.pick([null, 5, 'vm', { tap: 5, addresses: [] }, { tap: 't', addresses: 'x' }, { tap: 't', addresses: [5] }, { tap: 't' }])];
      break;
    case 4:
      (hb.inventory as Record<string, unknown>)['stages'] = rng.pick([[null], [5], 'x', [['a']]]);
      break;
    case 5:
      (hb as Record<string, unknown>)['probes'] = rng.pick([[{}], [null], 'x', [{ probeId: 5 }], 7]);
      break;
    case 6:
      (hb as Record<string, unknown>)['version'] = rng.pick([5, null, {}, 'v'.repeat(257)]);
      break;
    case 7:
      (hb as Record<string, unknown>)['heartbeatMs'] = rng.pick([-1, 'x', null, {}]);
      break;
    default:
      (hb as Record<string, unknown>)['startedAtMs'] = rng.pick([-5, 'yesterday', [], true]);
  }
  return { kind, data: Buffer.from(JSON.stringify(hb)) };
}

// ---- (d) garbage in the fleet KV buckets ----

/** a stored schedule or alert rule that is not one: not JSON, the wrong JSON, or a record with a bad field */
export function kvGarbage(rng: Rng, valid: Record<string, unknown>): Uint8Array {
  switch (rng.int(4)) {
    case 0:
      return Buffer.concat([Buffer.from('{'), rng.bytes(rng.int(300))]);
    case 1:
      return Buffer.from(JSON.stringify(junkJson(rng) ?? null));
    case 2: {
      const o: Record<string, unknown> = { ...valid };
      const k = rng.pick(Object.keys(valid));
      o[k] = k === 'paused' ? 'yes' : notString(rng);
      return Buffer.from(JSON.stringify(o));
    }
    default: {
      const o: Record<string, unknown> = { ...valid };
      delete o[rng.pick(Object.keys(valid).filter((k) => k !== 'paused' && k !== 'createdAt'))];
      return Buffer.from(JSON.stringify(o));
    }
  }
}

// ---- (e) gRPC requests ----

export interface GrpcCase {
  service: 'Xtrace' | 'Schedules' | 'AlertRules';
  method: string;
  stream: boolean;
  req: Record<string, unknown>;
}

const VALID_PAIR = { src: '10.202.0.1', dst: '10.202.0.2', proto: 'udp', port: 53, duration_ms: 1000, interval_ms: 500, sample_k: 1, sample_n: 10, keep_on_disconnect: false };

export const GRPC_KINDS = ['start-pair-probe', 'list-history', 'watch-history', 'add-schedule', 'add-alert-rule'] as const;

export function grpcCase(rng: Rng, kind: (typeof GRPC_KINDS)[number]): GrpcCase {
  switch (kind) {
    case 'start-pair-probe': {
      const req: Record<string, unknown> = { ...VALID_PAIR };
      switch (rng.int(8)) {
        case 0:
          req['src'] = rng.pick(['', 'x'.repeat(rng.int(100_000)), '1.2.3.4.5', rng.text(30)]);
          break;
        case 1:
          req['dst'] = rng.pick(['10.202.0.1', '::1', rng.text(20)]);
          break;
        case 2:
          req['port'] = 65_536 + rng.int(2 ** 31);
          break;
        case 3:
          Object.assign(req, { proto: 'icmp', port: 1 + rng.int(65535) });
          break;
        case 4:
          Object.assign(req, rng.pick([{ sample_k: 5, sample_n: 2 }, { sample_k: 3, sample_n: 0 }, { sample_k: 0, sample_n: 7 }]));
          break;
        case 5:
          req['interval_ms'] = rng.pick([1, 99, 2 ** 40, 2 ** 63]);
          break;
        case 6:
          req['duration_ms'] = rng.pick([2 ** 50, 2 ** 64 - 1, 7 * 24 * 3_600_000 + 1]);
          break;
        default:
          req['proto'] = rng.pick(['sctp', 'ICMP', rng.text(50)]);
      }
      return { service: 'Xtrace', method: 'StartPairProbe', stream: false, req };
    }
    case 'list-history':
    case 'watch-history': {
      const watch = kind === 'watch-history';
      const req: Record<string, unknown> = { src: '', dst: '', probe_id: '', since_ms: 0, until_ms: 0, limit: 0 };
      switch (rng.int(watch ? 5 : 4)) {
        case 0:
          req['since_ms'] = rng.pick([-1, -1e300, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]);
          break;
        case 1:
          if (watch) req['until_ms'] = 1 + rng.int(1e12);
          else Object.assign(req, { since_ms: 2e12 + rng.int(1e9), until_ms: 1 + rng.int(1e12) });
          break;
        case 2:
          Object.assign(req, rng.pick([{ src: '10.0.0.1' }, { dst: '10.0.0.2' }, { src: 'x'.repeat(rng.int(50_000)) }]));
          break;
        case 3:
          Object.assign(req, { src: '10.0.0.1', dst: '10.0.0.1' });
          break;
        default:
          req['limit'] = 1 + rng.int(2 ** 31); // WatchHistory has no limit
      }
      return { service: 'Xtrace', method: watch ? 'WatchHistory' : 'ListHistory', stream: true, req };
    }
    case 'add-schedule': {
      const req: Record<string, unknown> = { name: `fz-s${rng.int(1e9)}`, every: '1m', duration: '1s', pairs: { text: '10.9.0.1,10.9.1.1' }, proto: 'icmp', paused: true };
      switch (rng.int(6)) {
        case 0:
          req['name'] = rng.pick(['', 'a b', 'a.b', 'x'.repeat(65 + rng.int(100_000)), rng.text(10) + '!']);
          break;
        case 1:
          req['every'] = rng.pick(['', 'abc', '0s', '48h', '-1m', '1e999h', 'x'.repeat(10_000)]);
          break;
        case 2:
          req['duration'] = rng.pick(['', '2m', 'x', '-1s', '0s']);
          break;
        case 3:
          req['pairs'] = { text: rng.pick(['', 'zzz', '10.9.0.1', '10.9.0.1,10.9.0.1', 'sample:0', 'sample:-3', 'labels:', ';;;', 'q'.repeat(50_000)]) };
          break;
        case 4:
          req['proto'] = rng.pick(['sctp', 'ICMP', rng.text(12) + '#']);
          break;
        default:
          Object.assign(req, { every: '10s', duration: '1m' });
      }
      return { service: 'Schedules', method: 'AddSchedule', stream: false, req };
    }
    case 'add-alert-rule': {
      const req: Record<string, unknown> = {
        name: `fz-r${rng.int(1e9)}`,
        selector: { text: '' },
        segmentKind: '',
        metric: 'p99',
        threshold: 100,
        for: '',
        cooldown: '',
        sinks: [{ type: 'nats', subject: 'xtrace.fuzz.alerts' }],
      };
      switch (rng.int(7)) {
        case 0:
          req['name'] = rng.pick(['', 'a b', 'x'.repeat(65 + rng.int(10_000))]);
          break;
        case 1:
          req['metric'] = rng.pick(['', 'p999', 'LOSS', rng.text(20)]);
          break;
        case 2:
          req['threshold'] = rng.pick([-1, Number.NaN, Number.POSITIVE_INFINITY, -1e308]);
          break;
        case 3:
          req['sinks'] = rng.pick([[], [{ type: 'smtp' }], [{ type: 'nats', subject: 'a.*' }], [{ type: 'webhook', url: 'ftp://x' }], [{ type: 'webhook', url: rng.text(40) }]]);
          break;
        case 4:
          req['segmentKind'] = rng.pick(['disk', 'WIRE', rng.text(8) + '#']);
          break;
        case 5:
          req[rng.pick(['for', 'cooldown'])] = rng.pick(['x', '-1s', '1e999d', rng.text(6) + '#']);
          break;
        default:
          req['selector'] = { text: rng.pick(['zzz', 'sample:0', 'labels:', '10.0.0.1', 'q'.repeat(20_000)]) };
      }
      return { service: 'AlertRules', method: 'AddAlertRule', stream: false, req };
    }
  }
}
