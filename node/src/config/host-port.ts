import { ConfigError } from './errors.js';

/** A parsed `HOST:PORT` (IPv6 hosts in brackets: `[::1]:7000`). */
export interface HostPort {
  readonly host: string;
  readonly port: number;
}

/** Parses `HOST:PORT`; `what` names the flag in the error. Port 0 is allowed (pick a free one). */
export function parseHostPort(value: string, what: string): HostPort {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:\s[\]]+)):(\d{1,5})$/.exec(value.trim());
  if (m === null)
    throw new ConfigError(`${what}: expected HOST:PORT, got ${JSON.stringify(value)}`);
  const host = (m[1] ?? m[2]) as string;
  const port = Number(m[3]);
  if (port > 65535) throw new ConfigError(`${what}: port ${port} is out of range 0..65535`);
  return { host, port };
}

/** Formats for gRPC targets and logs (brackets around IPv6). */
export function formatHostPort(hp: HostPort): string {
  return hp.host.includes(':') ? `[${hp.host}]:${hp.port}` : `${hp.host}:${hp.port}`;
}

/** True for 127.0.0.0/8, ::1 and `localhost`: the only hosts that may serve plaintext by default. */
export function isLoopbackHost(host: string): boolean {
  const h = host.toLowerCase();
  if (h === 'localhost' || h === '::1' || h === '0:0:0:0:0:0:0:1') return true;
  if (/^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h)) return true;
  return h.startsWith('::ffff:127.');
}
