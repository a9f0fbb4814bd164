import { describe, expect, it } from 'vitest';
import { MAX_RENEW_IDS, formatFieldErrors, validateAgentCommand } from './commands.js';

function errors(input: unknown): string {
  const v = validateAgentCommand(input);
  if (v.ok) throw new Error(`expected errors for ${JSON.stringify(input)}`);
  return formatFieldErrors(v.errors);
}

describe('validateAgentCommand', () => {
  it('accepts a full startProbe and keeps only known fields', () => {
    const v = validateAgentCommand({ op: 'startProbe', probeId: 'p1', src: '10.0.0.1', dst: '10.0.0.2', proto: 'udp', port: 53, sample: { k: 1, n: 10 }, durationMs: 1000, leaseMs: 2000 });
    expect(v).toEqual({ ok: true, value: { op: 'startProbe', probeId: 'p1', src: '10.0.0.1', dst: '10.0.0.2', proto: 'udp', port: 53, sample: { k: 1, n: 10 }, durationMs: 1000, leaseMs: 2000 } });
  });

  it('names every bad field precisely', () => {
    expect(errors({ op: 'startProbe', probeId: 'p.1', src: 'foo', dst: '10.0.0.2' })).toBe(
      "probeId: expected 1-128 characters of [A-Za-z0-9_-], got 'p.1'; src: expected an IPv4 or IPv6 address, got 'foo'",
    );
    expect(errors({ op: 'startProbe', probeId: 'p', src: '10.0.0.1', dst: '::1' })).toBe('dst: address family differs from src (10.0.0.1 vs ::1)');
    expect(errors({ op: 'startProbe', probeId: 'p', src: '10.0.0.1', dst: '10.0.0.2', port: 70000 })).toBe('port: expected an integer in 1..65535, got 70000');
    expect(errors({ op: 'startProbe', probeId: 'p', src: '10.0.0.1', dst: '10.0.0.2', proto: 'icmp', port: 5 })).toBe('port: not allowed with proto icmp');
    expect(errors({ op: 'startProbe', probeId: 'p', src: '10.0.0.1', dst: '10.0.0.2', proto: 'sctp' })).toBe("proto: expected one of icmp|udp|tcp, got 'sctp'");
    expect(errors({ op: 'startProbe', probeId: 'p', src: '10.0.0.1', dst: '10.0.0.2', sample: { k: 5, n: 2 } })).toBe('sample.k: expected k <= n, got k=5 n=2');
    expect(errors({ op: 'startProbe', probeId: 'p', src: '10.0.0.1', dst: '10.0.0.2', sample: { k: 1 } })).toBe('sample.n: expected an integer in 1..4294967295, got nothing');
    expect(errors({ op: 'startProbe', probeId: 'p', src: '10.0.0.1', dst: '10.0.0.2', bogus: 1 })).toBe('bogus: unknown field');
    expect(errors({ op: 'renew', probeIds: ['ok', 'bad id'] })).toBe("probeIds[1]: expected 1-128 characters of [A-Za-z0-9_-], got 'bad id'");
    expect(errors({ op: 'launch' })).toBe("op: expected one of startProbe|stopProbe|updateProbe|renew|status|inspect, got 'launch'");
    expect(errors([1])).toBe('(command): expected a JSON object, got [1]');
    expect(errors({ op: 'startProbe', probeId: 'p', src: '10.0.0.1', dst: '10.0.0.1' })).toBe('dst: must differ from src (10.0.0.1)');
    expect(errors({ op: 'startProbe', probeId: 'p', src: '10.0.0.1', dst: '10.0.0.2', sample: [1, 2] })).toBe('sample: expected {k, n}, got [1,2]');
    expect(errors({ op: 'renew', probeIds: 'p1' })).toBe("probeIds: expected an array of probe ids, got 'p1'");
    expect(errors({ op: 'stopProbe' })).toBe('probeId: expected 1-128 characters of [A-Za-z0-9_-], got nothing');
    expect(errors({ op: 'status', extra: true })).toBe('extra: unknown field');
    expect(errors({ op: 'startProbe', probeId: 'p', src: '10.0.0.1', dst: '10.0.0.2', sample: { k: 1, n: 2, z: 1 } })).toBe('sample.z: unknown field');
  });

  it('takes null for an absent optional field and leaves it out', () => {
    const v = validateAgentCommand({ op: 'startProbe', probeId: 'p', src: '10.0.0.1', dst: '10.0.0.2', proto: null, port: null, sample: null, leaseMs: 500 });
    expect(v.ok && Object.keys(v.value)).toEqual(['op', 'probeId', 'src', 'dst', 'leaseMs']);
    expect(validateAgentCommand({ op: 'renew', probeIds: ['a', 'b'], leaseMs: null })).toEqual({ ok: true, value: { op: 'renew', probeIds: ['a', 'b'] } });
    expect(validateAgentCommand({ op: 'status' })).toEqual({ ok: true, value: { op: 'status' } });
    expect(validateAgentCommand({ op: 'inspect' })).toEqual({ ok: true, value: { op: 'inspect' } });
    expect(errors({ op: 'inspect', host: 'x' })).toBe('host: unknown field');
  });

  it('bounds strings and lists, and quotes at most 80 characters of a bad value', () => {
    const base = { op: 'startProbe', probeId: 'p', src: '10.0.0.1', dst: '10.0.0.2' };
    expect(errors({ ...base, controllerId: 'c'.repeat(257) })).toBe('controllerId: expected at most 256 characters');
    expect(errors({ op: 'renew', probeIds: Array.from({ length: MAX_RENEW_IDS + 1 }, () => 'p') })).toBe(`probeIds: expected at most ${MAX_RENEW_IDS} probe ids`);
    expect(errors({ ...base, src: 'x'.repeat(100_000) })).toBe(`src: expected an IPv4 or IPv6 address, got '${'x'.repeat(80)}…(100000 chars)'`);
  });
});
