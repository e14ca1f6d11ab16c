import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { OperatorMetrics } from './operator-metrics.js';

export interface HealthChecks {
  /** Alive: the work loop is not stuck. */
  healthy(): { ok: boolean; reason: string };
  /** Ready: watches synced (a standby replica is ready too: it is ready to take over). */
  ready(): { ok: boolean; reason: string };
}

/** Serves /metrics, /healthz and /readyz; everything else is 404. */
export async function startHealthServer(
  host: string,
  port: number,
  metrics: OperatorMetrics,
  checks: HealthChecks
): Promise<{ port: number; close(): Promise<void> }> {
  const server = http.createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { 'content-type': 'text/plain' }).end('only GET\n');
    } else if (path === '/metrics') {
      metrics.registry
        .metrics()
        .then((text) =>
          res.writeHead(200, { 'content-type': metrics.registry.contentType }).end(text)
        )
        .catch((err: unknown) => res.writeHead(500).end(String(err)));
    } else if (path === '/healthz' || path === '/readyz') {
      const r = path === '/healthz' ? checks.healthy() : checks.ready();
      res.writeHead(r.ok ? 200 : 503, { 'content-type': 'text/plain' }).end(`${r.reason}\n`);
    } else {
      res
        .writeHead(404, { 'content-type': 'text/plain' })
        .end('not found: try /metrics, /healthz, /readyz\n');
    }
  });
  server.requestTimeout = 10_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}
