import http from 'node:http';
import https from 'node:https';

/** Options of {@link httpStatus}. */
export interface HttpStatusOptions {
  readonly bearerToken?: string;
  /** Per-request timeout (default 2 s). */
  readonly timeoutMs?: number;
}

/**
 * GETs `url` and returns the status code and body (at most 64 KiB). Readiness probes of
 * components still starting, so the server certificate is not verified here: these URLs
 * are always on 127.0.0.1, served by processes this harness started.
 */
export function httpStatus(
  url: string,
  options: HttpStatusOptions = {}
): Promise<{ status: number; body: string }> {
  const target = new URL(url);
  const client = target.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const req = client.request(
      target,
      {
        method: 'GET',
        rejectUnauthorized: false,
        timeout: options.timeoutMs ?? 2000,
        headers:
          options.bearerToken === undefined
            ? {}
            : { authorization: `Bearer ${options.bearerToken}` },
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          if (body.length < 65536) body += chunk;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        res.on('error', reject);
      }
    );
    req.on('timeout', () => req.destroy(new Error(`GET ${url} timed out`)));
    req.on('error', reject);
    req.end();
  });
}
