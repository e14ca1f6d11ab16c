/** The operator's Kubernetes adapters: API calls, watches, the work queue, the Lease. */
export { ClientKubeApi, type Capabilities, type EventInput, type KubeApi } from './kube-api.js';
export { httpStatus, isConflict, isNotFound, KubeApiError, LeaseLostError } from './errors.js';
export { LeaderElector, type LeaderElectionOptions } from './leader-election.js';
export { WatchedCollection } from './watched-collection.js';
export { WorkQueue, type WorkQueueOptions } from './work-queue.js';
