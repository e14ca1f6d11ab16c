/** Prometheus metrics of broker-node. */
export { BrokerMetrics, type GaugeSources, OTHER_TOPICS } from './broker-metrics.js';
export { StoreMetrics, type StoreGaugeSources, storeLabel } from './store-metrics.js';
export { PoolMetrics } from './pool-metrics.js';
export {
  PlacementMetrics,
  type PlacementGaugeSources,
  type GroupRates,
  type MemberScores,
} from './placement-metrics.js';
