import { type Server, createServer } from 'node:http';
import type { HostPort, Logger } from '../config/index.js';
import type { BrokerMetrics } from '../metrics/index.js';

/** Health as the HTTP endpoints report it. */
export interface HealthSource {
  /** The process is alive and serving. */
  live(): boolean;
  /** Ready for traffic: listening, not draining, and (when peers are configured) linked to at least one. */
  ready(): { ready: boolean; reason: string };
}

/** Serves /metrics, /healthz and /readyz; everything else is 404. */
export function startHttpServer(
  address: HostPort,
  metrics: BrokerMetrics,
  health: HealthSource,
  log: Logger
): Promise<Server> {
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    if (path === '/metrics') {
      metrics
        .render()
        .then(({ contentType, body }) =>
          res.writeHead(200, { 'content-type': contentType }).end(body)
        )
        .catch((e: unknown) => {
          log.log('error', 'metrics rendering failed', { error: (e as Error).message });
          res.writeHead(500).end('metrics unavailable\n');
        });
    } else if (path === '/healthz') {
      const ok = health.live();
      res
        .writeHead(ok ? 200 : 503, { 'content-type': 'text/plain' })
        .end(ok ? 'ok\n' : 'not live\n');
    } else if (path === '/readyz') {
      const r = health.ready();
      res.writeHead(r.ready ? 200 : 503, { 'content-type': 'text/plain' }).end(r.reason + '\n');
    } else {
      res
        .writeHead(404, { 'content-type': 'text/plain' })
        .end('not found: try /metrics, /healthz, /readyz\n');
    }
  });
  server.headersTimeout = 10_000;
  server.requestTimeout = 10_000;
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(address.port, address.host, () => {
      server.off('error', reject);
      resolve(server);
    });
  });
}
