import type { V1Endpoints, V1Pod, V1Service } from '@kubernetes/client-node';

/** The cluster domain the test environment serves names under. */
export const CLUSTER_DOMAIN = 'cluster.local';

/** One name record: a fully qualified name, its namespace and its addresses. */
export interface NameRecord {
  /** e.g. `web-0.web.default.svc.cluster.local` */
  readonly fqdn: string;
  /** Namespace the name belongs to; short forms are written only for pods of it. */
  readonly namespace: string;
  /** The name without `.<namespace>.svc.cluster.local`, e.g. `web-0.web`. */
  readonly local: string;
  readonly ips: readonly string[];
}

/**
 * Computes the names cluster DNS would serve, from Services and their Endpoints:
 * `<svc>.<ns>.svc.cluster.local` -> ready endpoint addresses, and, for headless Services,
 * `<hostname>.<svc>.<ns>.svc.cluster.local` -> that pod's address. There is no kube-proxy
 * here, so a ClusterIP Service's name also resolves to its ready endpoints (not to the
 * unroutable cluster IP).
 */
export function nameRecords(
  services: readonly V1Service[],
  endpoints: readonly V1Endpoints[]
): NameRecord[] {
  const byKey = new Map<string, V1Endpoints>();
  for (const ep of endpoints) {
    byKey.set(`${ep.metadata?.namespace ?? ''}/${ep.metadata?.name ?? ''}`, ep);
  }
  const records: NameRecord[] = [];
  for (const svc of services) {
    const ns = svc.metadata?.namespace;
    const name = svc.metadata?.name;
    if (ns === undefined || name === undefined) continue;
    if (svc.spec?.type === 'ExternalName') continue;
    const ep = byKey.get(`${ns}/${name}`);
    const svcIps = new Set<string>();
    const hosts = new Map<string, Set<string>>();
    for (const subset of ep?.subsets ?? []) {
      for (const addr of subset.addresses ?? []) {
        svcIps.add(addr.ip);
        if (addr.hostname !== undefined && addr.hostname !== '') {
          const set = hosts.get(addr.hostname) ?? new Set<string>();
          set.add(addr.ip);
          hosts.set(addr.hostname, set);
        }
      }
    }
    const suffix = `${ns}.svc.${CLUSTER_DOMAIN}`;
    if (svcIps.size > 0) {
      records.push({
        fqdn: `${name}.${suffix}`,
        namespace: ns,
        local: name,
        ips: [...svcIps].sort(),
      });
    }
    const headless = svc.spec?.clusterIP === 'None';
    if (!headless) continue;
    for (const [host, ips] of [...hosts].sort(([a], [b]) => a.localeCompare(b))) {
      records.push({
        fqdn: `${host}.${name}.${suffix}`,
        namespace: ns,
        local: `${host}.${name}`,
        ips: [...ips].sort(),
      });
    }
  }
  return records;
}

/**
 * The /etc/hosts a pod sees: localhost, its own names (as a real kubelet writes them), and
 * every record, with the short search-domain forms for records of the pod's own namespace
 * (a hosts file has no search list). A name with several addresses gets one line per address.
 */
export function hostsFileFor(pod: V1Pod, podIp: string, records: readonly NameRecord[]): string {
  const ns = pod.metadata?.namespace ?? 'default';
  const hostname = pod.spec?.hostname ?? pod.metadata?.name ?? 'pod';
  const subdomain = pod.spec?.subdomain;
  const lines = [
    '# written by the BrokerCluster test kubelet',
    '127.0.0.1\tlocalhost',
    '::1\tlocalhost',
  ];
  lines.push(
    subdomain === undefined || subdomain === ''
      ? `${podIp}\t${hostname}`
      : `${podIp}\t${hostname}.${subdomain}.${ns}.svc.${CLUSTER_DOMAIN}\t${hostname}.${subdomain}\t${hostname}`
  );
  for (const r of records) {
    const short = `${r.local}.${r.namespace}`;
    const names = [r.fqdn, `${short}.svc`, short];
    if (r.namespace === ns) names.push(r.local);
    for (const ip of r.ips) lines.push(`${ip}\t${names.join('\t')}`);
  }
  return `${lines.join('\n')}\n`;
}

/** An SRV name and its targets. */
export interface SrvRecord {
  /** e.g. `_http._tcp.web.default.svc.cluster.local` */
  readonly fqdn: string;
  readonly targets: readonly { readonly target: string; readonly port: number }[];
}

/**
 * SRV records for every named port of every Service with ready endpoints:
 * `_<port>._<proto>.<svc>.<ns>.svc.cluster.local`. A headless Service lists one target per
 * pod (`<hostname>.<svc>...`); another Service lists itself. The port is the endpoint's
 * (the container port), since there is no kube-proxy to translate a Service port.
 */
export function srvRecords(
  services: readonly V1Service[],
  endpoints: readonly V1Endpoints[]
): SrvRecord[] {
  const byKey = new Map<string, V1Endpoints>();
  for (const ep of endpoints)
    byKey.set(`${ep.metadata?.namespace ?? ''}/${ep.metadata?.name ?? ''}`, ep);
  const out: SrvRecord[] = [];
  for (const svc of services) {
    const ns = svc.metadata?.namespace;
    const name = svc.metadata?.name;
    if (ns === undefined || name === undefined) continue;
    const suffix = `${name}.${ns}.svc.${CLUSTER_DOMAIN}`;
    const headless = svc.spec?.clusterIP === 'None';
    const targets = new Map<string, { target: string; port: number }[]>();
    for (const subset of byKey.get(`${ns}/${name}`)?.subsets ?? []) {
      for (const port of subset.ports ?? []) {
        if (port.name === undefined || port.name === '') continue;
        const key = `_${port.name}._${(port.protocol ?? 'TCP').toLowerCase()}.${suffix}`;
        const list = targets.get(key) ?? [];
        if (headless) {
          for (const addr of subset.addresses ?? []) {
            if (addr.hostname !== undefined && addr.hostname !== '') {
              list.push({ target: `${addr.hostname}.${suffix}`, port: port.port });
            }
          }
        } else if ((subset.addresses ?? []).length > 0 && !list.some((t) => t.port === port.port)) {
          list.push({ target: suffix, port: port.port });
        }
        targets.set(key, list);
      }
    }
    for (const [fqdn, list] of targets) {
      if (list.length > 0)
        out.push({ fqdn, targets: list.sort((a, b) => a.target.localeCompare(b.target)) });
    }
  }
  return out;
}
