/**
 * The Prometheus scrape endpoint both processes serve: `xtrace controller` its fleet metrics
 * (controller/src/fleet/metrics/controller-metrics.ts), `xtrace agent --metrics-listen` its own
 * (node-agent/src/metrics/agent-metrics.ts). Here, in the shared base package, so neither
 * depends on the other; the registry is anything shaped like a prom-client Registry, so this
 * package does not depend on prom-client.
 */
import { createServer, type Server } from 'node:http';
import { UnreachableError, UsageError, errorMessage } from './errors.js';

/** What the endpoint serves: a prom-client Registry has both. */
interface MetricsSource {
  /** the exposition's content type (`text/plain; version=0.0.4; charset=utf-8`) */
  readonly contentType: string;
  /** the exposition text, read at every scrape */
  metrics(): Promise<string>;
}

export interface MetricsListen {
  host: string;
  port: number;
}

/** `HOST:PORT` (`[::1]:9464`, `:9464` = all interfaces) or `off`; undefined for off. */
export function parseMetricsListen(text: string, field = '--metrics-listen'): MetricsListen | undefined {
  const t = text.trim();
  if (t === 'off' || t === 'none' || t === '') return undefined;
  const m = /^(\[[0-9a-fA-F:.]+\]|[^:\s[\]]*):(\d{1,5})$/.exec(t);
  if (!m || Number(m[2]) > 65535) throw new UsageError(field, `expected HOST:PORT like 127.0.0.1:9464, or off; got '${text}'`);
  const host = m[1] === '' ? '0.0.0.0' : m[1]!.replace(/^\[|\]$/g, '');
  return { host, port: Number(m[2]) };
}

export interface MetricsServer {
  url: string;
  server: Server;
  close(): Promise<void>;
}

/** Serves `source` on `GET /metrics` (HEAD too; other methods 405, other paths 404). */
export async function startMetricsServer(source: MetricsSource, opts: { host?: string; port?: number; path?: string } = {}): Promise<MetricsServer> {
  const path = opts.path ?? '/metrics';
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.pathname !== path || (req.method !== 'GET' && req.method !== 'HEAD')) {
      res.statusCode = url.pathname === path ? 405 : 404;
      res.end();
      return;
    }
    source.metrics().then(
      (body) => {
        res.setHeader('content-type', source.contentType);
        res.end(req.method === 'HEAD' ? undefined : body);
      },
      (e: unknown) => {
        res.statusCode = 500;
        res.end(`metrics render failed: ${errorMessage(e)}\n`);
      },
    );
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
