/** Serves a registry on `GET /metrics` (Prometheus scrape endpoint). */
import { createServer, type Server } from 'node:http';
import { UnreachableError, errorMessage } from '@xtrace/proto';
import { PROMETHEUS_CONTENT_TYPE, type MetricsRegistry } from './registry.js';

export interface MetricsServer {
  url: string;
  server: Server;
  close(): Promise<void>;
}

export async function startMetricsServer(registry: MetricsRegistry, opts: { host?: string; port?: number; path?: string } = {}): Promise<MetricsServer> {
  const path = opts.path ?? '/metrics';
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.pathname !== path || (req.method !== 'GET' && req.method !== 'HEAD')) {
      res.statusCode = url.pathname === path ? 405 : 404;
      res.end();
      return;
    }
    let body: string;
    try {
      body = registry.render();
    } catch (e: unknown) {
      res.statusCode = 500;
      res.end(`metrics render failed: ${errorMessage(e)}\n`);
      return;
    }
    res.setHeader('content-type', PROMETHEUS_CONTENT_TYPE);
    res.end(req.method === 'HEAD' ? undefined : body);
  });
  const host = opts.host ?? '0.0.0.0';
  await new Promise<void>((resolve, reject) => {
    server.once('error', (e: unknown) => reject(new UnreachableError(`cannot listen for /metrics on ${host}:${opts.port ?? 0}: ${errorMessage(e)}`, { cause: e })));
    server.listen(opts.port ?? 0, host, () => resolve());
  });
  const addr = server.address();
  const port = addr !== null && typeof addr === 'object' ? addr.port : (opts.port ?? 0);
  const shownHost = host === '0.0.0.0' ? '127.0.0.1' : host;
  return {
    url: `http://${shownHost}:${port}${path}`,
    server,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
