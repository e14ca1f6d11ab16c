/** Reconcile of BrokerClusters: desired objects, the pure plan, and the phases. */
export {
  Reconciler,
  ACTIVE_REQUEUE_MS,
  RESYNC_MS,
  type AdminFactory,
  type AdminAuth,
  type ReconcileResult,
  type ReconcilerDeps,
} from './reconciler.js';
export { FOUNDING_WAVE, health, plan, type Action, type Health, type Plan } from './plan.js';
export type { AdminView, Observed, PodView } from './observed.js';
export { setCondition, conditionStatus } from './conditions.js';
export * from './desired.js';
export * from './names.js';
