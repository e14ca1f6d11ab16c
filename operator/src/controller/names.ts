/** Names and labels of the objects owned by one BrokerCluster. */
import { CLUSTER_LABEL } from '../api/index.js';

/** gRPC port of every peer (client and peer API). */
export const GRPC_PORT = 7400;
/** HTTP port of every peer: /metrics, /healthz, /readyz. */
export const HTTP_PORT = 8080;

export interface ClusterNames {
  readonly cluster: string;
  readonly namespace: string;
  readonly statefulSet: string;
  /** Headless Service for peer discovery; publishes not-ready addresses. */
  readonly peerService: string;
  readonly clientService: string;
  readonly configMap: string;
  readonly secret: string;
  /** The admin token mutating BrokerAdmin calls need (broker-node --admin-token-file). */
  readonly adminTokenSecret: string;
  readonly serviceAccount: string;
  readonly pdb: string;
  readonly serviceMonitor: string;
}

export function clusterNames(cluster: string, namespace: string): ClusterNames {
  return {
    cluster,
    namespace,
    statefulSet: cluster,
    peerService: `${cluster}-peers`,
    clientService: cluster,
    configMap: `${cluster}-config`,
    secret: `${cluster}-cluster-secret`,
    adminTokenSecret: `${cluster}-admin-token`,
    serviceAccount: `${cluster}-broker`,
    pdb: cluster,
    serviceMonitor: cluster,
  };
}

/** Labels selecting the pods of a cluster (immutable: the StatefulSet's selector). */
export function selectorLabels(cluster: string): Record<string, string> {
  return { 'app.kubernetes.io/name': 'broker-node', 'app.kubernetes.io/instance': cluster };
}

/** Labels on every owned object. */
export function commonLabels(cluster: string): Record<string, string> {
  return {
    ...selectorLabels(cluster),
    'app.kubernetes.io/managed-by': 'broker-operator',
    'app.kubernetes.io/part-of': 'brokercluster',
    [CLUSTER_LABEL]: cluster,
  };
}

export function labelSelectorString(labels: Record<string, string>): string {
  return Object.entries(labels)
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
}

/** The peer id of a pod: its name (stable across restarts of a StatefulSet pod). */
export function memberId(pod: string): string {
  return pod;
}

/** A peer's stable gRPC address through the headless Service. */
export function memberAddress(names: ClusterNames, pod: string): string {
  return `${pod}.${names.peerService}.${names.namespace}.svc.cluster.local:${GRPC_PORT}`;
}

/** The ordinal of a StatefulSet pod name, or undefined when it is not one of `sts`. */
export function podOrdinal(sts: string, pod: string): number | undefined {
  if (!pod.startsWith(`${sts}-`)) return undefined;
  const rest = pod.slice(sts.length + 1);
  return /^(0|[1-9][0-9]*)$/.test(rest) ? Number(rest) : undefined;
}
