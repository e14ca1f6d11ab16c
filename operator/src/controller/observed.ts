/** One reconcile's view of the world: read once at the start, shared by every phase. */
import type { V1PersistentVolumeClaim, V1Pod, V1StatefulSet } from '@kubernetes/client-node';
import type { ClusterMap, GroupStatusResponse } from '../admin/index.js';
import type { BrokerCluster, BrokerClusterSpec, InvalidSpecError } from '../api/index.js';
import type { ClusterNames } from './names.js';

/** What the peers' admin API said, if anything. */
export type AdminView =
  | { readonly kind: 'ok'; readonly map: ClusterMap; readonly via: string }
  /** The peers answer UNIMPLEMENTED: a broker-node without stores; only pods can be checked. */
  | { readonly kind: 'unsupported' }
  | { readonly kind: 'unreachable'; readonly reason: string };

export interface PodView {
  readonly name: string;
  readonly ordinal: number;
  readonly ready: boolean;
  readonly terminating: boolean;
  /** controller-revision-hash label: the StatefulSet revision the pod was made from. */
  readonly revision: string | undefined;
  readonly ip: string | undefined;
  /** When it last turned not Ready (ms since the epoch); undefined while Ready or unknown. */
  readonly notReadySince: number | undefined;
}

export interface Observed {
  readonly cluster: BrokerCluster;
  readonly names: ClusterNames;
  /** Undefined when the spec is invalid (then `invalid` says why). */
  readonly spec: BrokerClusterSpec | undefined;
  readonly invalid: InvalidSpecError | undefined;
  readonly statefulSet: V1StatefulSet | undefined;
  /** Pods of the StatefulSet, by ordinal. */
  readonly pods: readonly PodView[];
  readonly rawPods: readonly V1Pod[];
  readonly pvcs: readonly V1PersistentVolumeClaim[];
  readonly admin: AdminView;
  /** GroupStatus of each pod that answered, by pod name (read only while rolling). */
  readonly groups: ReadonlyMap<string, GroupStatusResponse>;
  /** Leader member id of each declared store, as a peer holding a replica reports it (status only). */
  readonly storeLeaders: ReadonlyMap<string, string>;
  /** The operator's clock when this was observed (ms since the epoch). */
  readonly now: number;
}
