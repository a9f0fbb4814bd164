import { afterEach, describe, expect, it } from 'vitest';
import { UsageError } from './errors.js';
import { parseMetricsListen, startMetricsServer, type MetricsServer } from './metrics-endpoint.js';

describe('parseMetricsListen', () => {
  it('takes HOST:PORT, [v6]:PORT, :PORT (all interfaces) or off', () => {
    expect(parseMetricsListen('127.0.0.1:9464')).toEqual({ host: '127.0.0.1', port: 9464 });
    expect(parseMetricsListen('[::1]:9465')).toEqual({ host: '::1', port: 9465 });
    expect(parseMetricsListen(':9464')).toEqual({ host: '0.0.0.0', port: 9464 });
    expect(parseMetricsListen('off')).toBeUndefined();
    expect(() => parseMetricsListen('9464')).toThrow(UsageError);
    expect(() => parseMetricsListen('h:70000', '--x')).toThrow(/^--x: expected HOST:PORT/);
  });
});

describe('startMetricsServer', () => {
  let srv: MetricsServer | undefined;
  afterEach(async () => {
    await srv?.close();
    srv = undefined;
  });

  it('serves the source on GET and HEAD /metrics with its content type; 404 elsewhere, 405 for other methods, 500 when rendering fails', async () => {
    let fail = false;
    const source = {
      contentType: 'text/plain; version=0.0.4; charset=utf-8',
      metrics: async () => {
        if (fail) throw new Error('boom');
        return '# HELP x X\n# TYPE x gauge\nx 1\n';
      },
    };
    srv = await startMetricsServer(source, { host: '127.0.0.1', port: 0 });
    const res = await fetch(srv.url);
    expect([res.status, res.headers.get('content-type'), await res.text()]).toEqual([200, source.contentType, '# HELP x X\n# TYPE x gauge\nx 1\n']);
    const head = await fetch(srv.url, { method: 'HEAD' });
    expect([head.status, head.headers.get('content-type')]).toEqual([200, source.contentType]);
    expect((await fetch(srv.url, { method: 'POST' })).status).toBe(405);
    expect((await fetch(srv.url.replace('/metrics', '/nope'))).status).toBe(404);
    fail = true;
    const broken = await fetch(srv.url);
    expect([broken.status, await broken.text()]).toEqual([500, 'metrics render failed: boom\n']);
  });

  it('a port in use is an UnreachableError', async () => {
    srv = await startMetricsServer({ contentType: 'text/plain', metrics: async () => '' }, { host: '127.0.0.1', port: 0 });
    const port = Number(new URL(srv.url).port);
    await expect(startMetricsServer({ contentType: 'text/plain', metrics: async () => '' }, { host: '127.0.0.1', port })).rejects.toMatchObject({ code: 'unreachable' });
  });
});
