import { promises as dnsPromises } from 'node:dns';
import { isIP } from 'node:net';
import { type HostPort, formatHostPort } from '../config/index.js';

/** A place to dial; `id` is known for static peers and learned from Hello otherwise. */
export interface DialTarget {
  readonly key: string;
  readonly address: HostPort;
  readonly expectedId: string | undefined;
}

/** Resolves a peer DNS name, with the system resolver or with explicit servers. */
export class PeerResolver {
  private readonly resolver: InstanceType<typeof dnsPromises.Resolver> | undefined;

  constructor(servers: readonly HostPort[]) {
    if (servers.length > 0) {
      this.resolver = new dnsPromises.Resolver({ timeout: 2000, tries: 2 });
      this.resolver.setServers(servers.map(formatHostPort));
    }
  }

  /**
   * Dial targets for `name`: SRV records first (target and port per record), then A/AAAA
   * records with `port`. A Kubernetes headless Service provides both.
   */
  async resolve(name: string, port: number): Promise<DialTarget[]> {
    const out = new Map<string, DialTarget>();
    let srv: Array<{ name: string; port: number }> = [];
    try {
      srv = await (this.resolver ?? dnsPromises).resolveSrv(name);
    } catch {
      // no SRV records: fall back to addresses
    }
    for (const r of srv)
      for (const host of await this.addresses(r.name)) add(out, { host, port: r.port });
    if (out.size === 0) for (const host of await this.addresses(name)) add(out, { host, port });
    return [...out.values()].sort((a, b) => (a.key < b.key ? -1 : 1));
  }

  private async addresses(name: string): Promise<string[]> {
    if (isIP(name) !== 0) return [name];
    if (this.resolver === undefined)
      return (await dnsPromises.lookup(name, { all: true })).map((a) => a.address);
    const v4 = await this.resolver.resolve4(name).catch(() => [] as string[]);
    const v6 = await this.resolver.resolve6(name).catch(() => [] as string[]);
    return [...v4, ...v6];
  }
}

function add(out: Map<string, DialTarget>, address: HostPort): void {
  const key = formatHostPort(address);
  out.set(key, { key, address, expectedId: undefined });
}
