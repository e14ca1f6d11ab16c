import { execFile } from 'node:child_process';
import fs from 'node:fs';
import type http from 'node:http';
import https from 'node:https';
import path from 'node:path';

/** Longest a `kubectl logs -f` stream is kept open. */
const MAX_FOLLOW_MS = 3_600_000;
const POLL_MS = 300;

/** Finds the log file of a container, or undefined when no such pod ran here. */
export type LogLocator = (namespace: string, pod: string, container: string) => string | undefined;

function openssl(args: readonly string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile('openssl', args, { timeout: 30_000 }, (err, _out, stderr) =>
      err === null
        ? resolve()
        : reject(new Error(`openssl ${args[0] ?? ''} failed: ${stderr.trim() || err.message}`))
    );
  });
}

/** Last `lines` lines of `text` (all when `lines` is undefined). */
export function tail(text: string, lines: number | undefined): string {
  if (lines === undefined) return text;
  if (lines <= 0) return '';
  const parts = text.split('\n');
  const trailing = parts.at(-1) === '' ? parts.pop() : undefined;
  return parts.slice(-lines).join('\n') + (trailing === undefined ? '' : '\n');
}

/**
 * The part of a kubelet's HTTPS server the API server uses for `kubectl logs`:
 * `GET /containerLogs/<ns>/<pod>/<container>` with `tailLines`, `limitBytes` and `follow`.
 * It listens on the node address (the pod bridge), with a self-signed certificate; the API
 * server does not verify kubelet certificates when it has no kubelet CA configured.
 */
export class KubeletLogServer {
  private readonly open = new Set<http.ServerResponse>();

  private constructor(
    private readonly server: https.Server,
    readonly port: number
  ) {}

  static async start(address: string, dir: string, locate: LogLocator): Promise<KubeletLogServer> {
    fs.mkdirSync(dir, { recursive: true });
    const key = path.join(dir, 'kubelet.key');
    const cert = path.join(dir, 'kubelet.crt');
    await openssl([
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      key,
      '-out',
      cert,
      '-days',
      '7',
      '-subj',
      '/CN=brokercluster-test-kubelet',
      '-addext',
      `subjectAltName=IP:${address}`,
    ]);
    // The request handler needs the instance, which exists only once the server listens.
    const holder: { self?: KubeletLogServer } = {};
    const server = https.createServer(
      { key: fs.readFileSync(key), cert: fs.readFileSync(cert) },
      (req, res) => {
        holder.self?.handle(req, res, locate);
      }
    );
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ host: address, port: 0 }, resolve);
    });
    const addr = server.address();
    const self = new KubeletLogServer(
      server,
      typeof addr === 'object' && addr !== null ? addr.port : 0
    );
    holder.self = self;
    return self;
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse, locate: LogLocator): void {
    const url = new URL(req.url ?? '/', 'https://kubelet');
    if (url.pathname === '/healthz') {
      res.end('ok');
      return;
    }
    const m = /^\/containerLogs\/([^/]+)\/([^/]+)\/([^/]+)$/.exec(url.pathname);
    if (req.method !== 'GET' || m === null) {
      res
        .writeHead(404)
        .end(`the test kubelet serves only GET /containerLogs/<ns>/<pod>/<container>\n`);
      return;
    }
    const [ns, pod, container] = [m[1], m[2], m[3]].map((s) => decodeURIComponent(s ?? ''));
    const file = locate(ns ?? '', pod ?? '', container ?? '');
    if (file === undefined || !fs.existsSync(file)) {
      res
        .writeHead(404)
        .end(`no logs of container ${container ?? ''} in pod ${ns ?? ''}/${pod ?? ''}\n`);
      return;
    }
    const num = (name: string): number | undefined => {
      const v = url.searchParams.get(name);
      return v !== null && /^\d+$/.test(v) ? Number(v) : undefined;
    };
    const limit = num('limitBytes');
    let body = tail(fs.readFileSync(file, 'utf8'), num('tailLines'));
    if (limit !== undefined) body = body.slice(0, limit);
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.write(body);
    if (url.searchParams.get('follow') !== 'true') {
      res.end();
      return;
    }
    this.open.add(res);
    let offset = fs.statSync(file).size;
    const started = Date.now();
    const timer = setInterval(() => {
      let size = offset;
      try {
        size = fs.statSync(file).size;
      } catch {
        size = offset;
      }
      if (size > offset) {
        const fd = fs.openSync(file, 'r');
        try {
          const buf = Buffer.alloc(size - offset);
          fs.readSync(fd, buf, 0, buf.length, offset);
          res.write(buf);
        } finally {
          fs.closeSync(fd);
        }
        offset = size;
      }
      if (Date.now() - started > MAX_FOLLOW_MS) res.end();
    }, POLL_MS);
    res.on('close', () => {
      clearInterval(timer);
      this.open.delete(res);
    });
  }

  async stop(): Promise<void> {
    for (const res of this.open) res.end();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
