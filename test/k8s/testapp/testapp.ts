// The `brokercluster-testapp` image of the test kubelet: a small HTTP server a test drives.
// Node 24 runs this file directly (type stripping), so it must stay erasable TypeScript
// importing only node: built-ins.
//
// Environment: PORT (default 8080), DATA_DIR (default /data), READY (initial readiness,
// default "true"), POD_NAME, POD_NAMESPACE, POD_IP, NODE_NAME (usually from the downward API).
import dns from 'node:dns/promises';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';

const port = Number(process.env['PORT'] ?? '8080');
if (!Number.isInteger(port) || port < 1 || port > 65535) {
  console.error(`testapp: PORT must be an integer 1..65535, got "${process.env['PORT'] ?? ''}"`);
  process.exit(2);
}
const dataDir = process.env['DATA_DIR'] ?? '/data';
let ready = (process.env['READY'] ?? 'true') !== 'false';
const MAX_BODY = 1 << 20;

/** Counts starts in the data volume, so a test can see that a restarted pod kept its data. */
function countBoot(): number {
  try {
    fs.mkdirSync(dataDir, { recursive: true });
    const file = path.join(dataDir, 'boot-count');
    const previous = fs.existsSync(file) ? Number(fs.readFileSync(file, 'utf8')) || 0 : 0;
    fs.writeFileSync(file, String(previous + 1));
    return previous + 1;
  } catch {
    return 0;
  }
}
const boots = countBoot();

function send(res: http.ServerResponse, status: number, body: unknown): void {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(status, {
    'content-type': typeof body === 'string' ? 'text/plain' : 'application/json',
  });
  res.end(text);
}

function dataPath(rel: string | null): string | undefined {
  if (rel === null || rel === '') return undefined;
  const normal = path.normalize(rel);
  if (normal.startsWith('..') || path.isAbsolute(normal)) return undefined;
  return path.join(dataDir, normal);
}

function readBody(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => {
      body += chunk;
      if (body.length > MAX_BODY) {
        reject(new Error('body too large'));
        req.destroy();
      }
    });
    req.on('end', () => resolve(body));
    req.on('error', reject);
  });
}

function fetchPeer(host: string, peerPath: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host, port, path: peerPath, timeout: 3000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => {
        if (body.length < MAX_BODY) body += c;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('timeout', () =>
      req.destroy(new Error(`GET http://${host}:${port}${peerPath} timed out`))
    );
    req.on('error', reject);
  });
}

async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://testapp');
  const route = `${req.method ?? 'GET'} ${url.pathname}`;
  switch (route) {
    case 'GET /healthz':
      return send(res, 200, 'ok');
    case 'GET /ready':
      return send(res, ready ? 200 : 503, ready ? 'ready' : 'not ready');
    case 'POST /ready': {
      const value = url.searchParams.get('value');
      if (value !== 'true' && value !== 'false')
        return send(res, 400, 'value must be true or false');
      ready = value === 'true';
      return send(res, 200, { ready });
    }
    case 'GET /whoami':
      return send(res, 200, {
        pod: process.env['POD_NAME'] ?? '',
        namespace: process.env['POD_NAMESPACE'] ?? '',
        podIP: process.env['POD_IP'] ?? '',
        node: process.env['NODE_NAME'] ?? '',
        hostname: os.hostname(),
        boots,
        pid: process.pid,
      });
    case 'GET /env': {
      const name = url.searchParams.get('name');
      if (name === null || name === '') return send(res, 400, 'name is required');
      const value = process.env[name];
      return value === undefined ? send(res, 404, `no variable ${name}`) : send(res, 200, value);
    }
    case 'GET /file': {
      const raw = url.searchParams.get('path');
      // Absolute paths read mounted files (ConfigMaps, Secrets); relative ones the data dir.
      const file = raw !== null && path.isAbsolute(raw) ? raw : dataPath(raw);
      if (file === undefined) return send(res, 400, 'path must be absolute or inside the data dir');
      try {
        return send(res, 200, fs.readFileSync(file, 'utf8'));
      } catch (err) {
        return send(res, 404, (err as Error).message);
      }
    }
    case 'PUT /file': {
      const file = dataPath(url.searchParams.get('path'));
      if (file === undefined) return send(res, 400, 'path must be relative to the data dir');
      const body = await readBody(req);
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(file, body);
      return send(res, 200, { written: body.length });
    }
    case 'GET /resolve': {
      const name = url.searchParams.get('name');
      if (name === null || name === '') return send(res, 400, 'name is required');
      try {
        const addrs = await dns.lookup(name, { all: true, family: 4 });
        return send(res, 200, addrs.map((a) => a.address).sort());
      } catch (err) {
        return send(res, 404, (err as Error).message);
      }
    }
    case 'GET /dns': {
      // Straight DNS queries (the cluster DNS), bypassing the hosts file: type A or SRV.
      const name = url.searchParams.get('name');
      const type = url.searchParams.get('type') ?? 'A';
      if (name === null || name === '' || (type !== 'A' && type !== 'SRV')) {
        return send(res, 400, 'name is required and type must be A or SRV');
      }
      try {
        if (type === 'A') return send(res, 200, (await dns.resolve4(name)).sort());
        const srv = await dns.resolveSrv(name);
        return send(
          res,
          200,
          srv
            .map((r) => ({ name: r.name, port: r.port }))
            .sort((a, b) => a.name.localeCompare(b.name))
        );
      } catch (err) {
        return send(res, 404, (err as NodeJS.ErrnoException).code ?? (err as Error).message);
      }
    }
    case 'GET /peer': {
      const name = url.searchParams.get('name');
      const peerPath = url.searchParams.get('path') ?? '/whoami';
      if (name === null || name === '' || !peerPath.startsWith('/')) {
        return send(res, 400, 'name is required and path must start with /');
      }
      try {
        const r = await fetchPeer(name, peerPath);
        return send(res, r.status === 200 ? 200 : 502, r.body);
      } catch (err) {
        return send(res, 502, (err as Error).message);
      }
    }
    default:
      return send(res, 404, `no route ${route}`);
  }
}

const server = http.createServer((req, res) => {
  handle(req, res).catch((err: unknown) => send(res, 500, (err as Error).message));
});
server.listen(port, '0.0.0.0', () =>
  console.log(`testapp listening on :${port}, data ${dataDir}, boot ${boots}`)
);
process.on('SIGTERM', () => {
  console.log('testapp: SIGTERM, shutting down');
  server.close(() => process.exit(0));
  server.closeAllConnections();
});
