/** The BrokerCluster resource (group brokercluster.dev, version v1alpha1) as the operator sees it. */

export const GROUP = 'brokercluster.dev';
export const VERSION = 'v1alpha1';
export const API_VERSION = `${GROUP}/${VERSION}`;
export const KIND = 'BrokerCluster';
export const PLURAL = 'brokerclusters';
/** The operator's one field manager for server-side apply (and status patches). */
export const FIELD_MANAGER = 'broker-operator';
/** Finalizer that makes deletion wait for the operator's clean-up (PVC policy). */
export const FINALIZER = 'brokercluster.dev/cleanup';
/** Label on every owned object: the BrokerCluster's name. */
export const CLUSTER_LABEL = 'brokercluster.dev/cluster';

export type OverflowPolicy = 'block' | 'drop-oldest' | 'disconnect';
export type ReclaimPolicy = 'Retain' | 'Delete';

export interface StoreSpec {
  readonly name: string;
  readonly replicationFactor?: number;
  readonly maxKeys?: number;
  readonly maxBytes?: number;
}

export interface Toleration {
  readonly key?: string;
  readonly operator?: 'Exists' | 'Equal';
  readonly value?: string;
  readonly effect?: 'NoSchedule' | 'PreferNoSchedule' | 'NoExecute';
  readonly tolerationSeconds?: number;
}

/** spec after defaulting: what {@link normalizeSpec} returns. */
export interface BrokerClusterSpec {
  readonly replicas: number;
  readonly image: string;
  readonly imagePullPolicy: 'Always' | 'IfNotPresent' | 'Never';
  readonly replicationFactor: number;
  readonly resources: {
    readonly requests?: Readonly<Record<string, string | number>>;
    readonly limits?: Readonly<Record<string, string | number>>;
  };
  readonly storage: {
    readonly size: string;
    readonly storageClassName?: string;
    readonly reclaimPolicy: ReclaimPolicy;
  };
  readonly stores: readonly StoreSpec[];
  readonly pubsub: {
    readonly maxMessageBytes?: number;
    readonly subscriberQueue?: number;
    readonly overflowPolicy: OverflowPolicy;
  };
  readonly tls: { readonly enabled: boolean; readonly secretName?: string };
  readonly metrics: { readonly serviceMonitor: boolean };
  readonly podTemplate: {
    readonly labels?: Readonly<Record<string, string>>;
    readonly annotations?: Readonly<Record<string, string>>;
    readonly nodeSelector?: Readonly<Record<string, string>>;
    readonly tolerations?: readonly Toleration[];
    readonly affinity?: Readonly<Record<string, unknown>>;
  };
  readonly failover: { readonly replaceAfterSeconds: number };
  readonly paused: boolean;
}

export type ConditionType = 'Available' | 'Progressing' | 'Degraded';

export interface Condition {
  readonly type: ConditionType;
  readonly status: 'True' | 'False' | 'Unknown';
  readonly reason: string;
  readonly message: string;
  /** The metadata.generation this condition was computed from. */
  readonly observedGeneration: number;
  readonly lastTransitionTime: string;
}

export interface MemberStatus {
  readonly pod: string;
  readonly id: string;
  /** joining, active, draining, removed, or "unknown" while the admin API does not answer. */
  readonly state: string;
  readonly ready: boolean;
  readonly groupsLed: number;
}

export interface StoreStatus {
  readonly name: string;
  readonly replicas: number;
  /** Member id of its leader; absent while unknown. */
  readonly leader?: string;
  readonly healthy: boolean;
}

export interface OperationStatus {
  readonly type: 'Create' | 'ScaleUp' | 'ScaleDown' | 'Roll' | 'Recover' | 'Delete';
  readonly target: string;
  readonly progress: string;
  readonly startedAt: string;
}

export interface BrokerClusterStatus {
  observedGeneration?: number;
  phase?: string;
  replicas?: number;
  readyReplicas?: number;
  ready?: string;
  storesReady?: string;
  selector?: string;
  conditions?: Condition[];
  members?: MemberStatus[];
  stores?: StoreStatus[];
  /** null clears it in a merge patch. */
  operation?: OperationStatus | null;
}

/** A BrokerCluster as read from the API server (spec not yet validated). */
export interface BrokerCluster {
  apiVersion?: string;
  kind?: string;
  metadata: {
    name: string;
    namespace: string;
    uid: string;
    generation?: number;
    resourceVersion?: string;
    deletionTimestamp?: string | Date;
    finalizers?: string[];
    labels?: Record<string, string>;
  };
  spec?: unknown;
  status?: BrokerClusterStatus;
}
