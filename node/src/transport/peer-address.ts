/**
 * Whether an inbound peer connection comes from the address `--peers` gives for its id. The
 * port cannot be checked (the dialer's source port is ephemeral); the host can.
 */
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { isLoopbackHost } from '../config/index.js';

/** The IP of gRPC's `getPeer()` text (`1.2.3.4:5`, `[::1]:5`, `ipv6:[::1]:5`), or undefined. */
export function remoteIp(peer: string): string | undefined {
  let p = peer.replace(/^ipv[46]:/, '');
  const bracket = /^\[([^\]]+)\](?::\d+)?$/.exec(p);
  if (bracket !== null) p = bracket[1] as string;
  else if (p.split(':').length === 2) p = p.slice(0, p.lastIndexOf(':'));
  p = normalizeIp(p);
  return isIP(p) !== 0 ? p : undefined;
}

function normalizeIp(ip: string): string {
  const l = ip.toLowerCase();
  // An IPv4 client of a dual-stack listener shows as an IPv4-mapped IPv6 address.
  return l.startsWith('::ffff:') && isIP(l.slice(7)) === 4 ? l.slice(7) : l;
}

/**
 * Why a connection from `ip` may not be the peer configured at `host`, or undefined when it
 * may. A name is resolved now (its addresses may have moved since start); `localhost` means
 * any loopback address.
 */
export async function addressMismatch(ip: string, host: string): Promise<string | undefined> {
  if (host.toLowerCase() === 'localhost')
    return isLoopbackHost(ip) ? undefined : `connected from ${ip}, not from loopback`;
  let allowed: string[];
  if (isIP(host) !== 0) allowed = [normalizeIp(host)];
  else {
    try {
      allowed = (await lookup(host, { all: true })).map((a) => normalizeIp(a.address));
    } catch (e) {
      return `cannot resolve its configured host ${host}: ${(e as Error).message}`;
    }
  }
  return allowed.includes(ip) ? undefined : `connected from ${ip}, not from ${host}`;
}
