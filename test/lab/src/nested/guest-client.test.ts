import { describe, expect, it } from 'vitest';
import { NestedLabError } from './errors.js';
import { guestClientBoundMs, guestClientCommand, parseGuestClientOutput } from './guest-client.js';

const summary =
  '{"sent":2,"received":1,"lost":1,"late":0,"rtt_us":{"count":1,"min":10.5,"p50":10.5,"p90":10.5,"p99":10.5,"max":10.5,"mean":10.5},' +
  '"service_us":{"count":0,"min":null,"p50":null,"p90":null,"p99":null,"max":null,"mean":null},' +
  '"hold_us":{"count":1,"min":5000.1,"p50":5000.1,"p90":5000.1,"p99":5000.1,"max":5000.1,"mean":5000.1}}';

describe('xtrace-guest client', () => {
  it('builds its command line', () => {
    expect(guestClientCommand({ dst: '172.31.0.20', count: 20, rate: 50, holdUs: 5000, perExchange: true })).toBe(
      'xtrace-guest client --dst 172.31.0.20 --port 7000 --count 20 --rate 50 --hold-us 5000 --per-exchange',
    );
  });

  it('bounds a run by its schedule, holds and timeouts', () => {
    expect(guestClientBoundMs({ dst: 'x', count: 10, rate: 10, holdUs: 5000, timeoutMs: 100 })).toBe(1000 + 10 * 105);
  });

  it('cuts its block out of console output (kernel noise and a shell prompt around it)', () => {
    const out = [
      '[   12.3] random kernel line',
      'XTG-CLIENT-BEGIN',
      '{"seq":1,"rtt_us":10.5,"hold_us":5000.1,"service_us":null}',
      '{"seq":2,"lost":true}\r',
      summary,
      'XTG-CLIENT-END',
      '/ # ',
    ].join('\n');
    const r = parseGuestClientOutput(out);
    expect(r.sent).toBe(2);
    expect(r.lost).toBe(1);
    expect(r.rtt_us.p50).toBe(10.5);
    expect(r.service_us.p50).toBeNull();
    expect(r.exchanges).toEqual([{ seq: 1, rtt_us: 10.5, hold_us: 5000.1, service_us: null }, { seq: 2, lost: true }]);
  });

  it('says what is missing when the block is cut short', () => {
    expect(() => parseGuestClientOutput('XTG-CLIENT-BEGIN\n{"seq":1')).toThrow(NestedLabError);
    expect(() => parseGuestClientOutput('XTG-CLIENT-BEGIN\n{"seq":1')).toThrow(/XTG-CLIENT-END/);
    expect(() => parseGuestClientOutput('XTG-CLIENT-BEGIN\nXTG-CLIENT-END')).toThrow(/no summary/);
  });
});
