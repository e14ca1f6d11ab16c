/** The cluster layer: the meta group, the store groups, and the store, admin and replication services. */
export {
  ClusterManager,
  META_GROUP,
  storeNameOf,
  type ClusterDeps,
  type ClusterPhase,
} from './cluster-manager.js';
export { StoreService } from './store-service.js';
export { AdminService } from './admin-service.js';
export { ReplicationService } from './replication-service.js';
export {
  ClusterRequestError,
  ClusterStartError,
  OUTCOME_TRAILER,
  type WriteOutcome,
} from './errors.js';
export { STORE_EVENTS_PREFIX, storeEventsTopic, storeEventData } from './store-events-topic.js';
