import { promises as dns } from 'node:dns';
import type { HostPort } from '../config/index.js';

/** A place to dial; `id` is known for static peers and learned from Hello otherwise. */
export interface DialTarget {
  readonly key: string;
  readonly address: HostPort;
  readonly expectedId: string | undefined;
}

/**
 * Resolves a DNS name to dial targets: SRV records first (target and port per record), then
 * A/AAAA records with `port`. A Kubernetes headless Service provides both.
 */
export async function resolvePeersDns(name: string, port: number): Promise<DialTarget[]> {
  const out = new Map<string, DialTarget>();
  try {
    const srv = await dns.resolveSrv(name);
    for (const r of srv) {
      const addrs = await dns.lookup(r.name, { all: true });
      for (const a of addrs) add(out, { host: a.address, port: r.port });
    }
  } catch {
    // no SRV records: fall back to addresses
  }
  if (out.size === 0) {
    const addrs = await dns.lookup(name, { all: true });
    for (const a of addrs) add(out, { host: a.address, port });
  }
  return [...out.values()].sort((a, b) => (a.key < b.key ? -1 : 1));
}

function add(out: Map<string, DialTarget>, address: HostPort): void {
  const key = address.host.includes(':')
    ? `[${address.host}]:${address.port}`
    : `${address.host}:${address.port}`;
  out.set(key, { key, address, expectedId: undefined });
}
