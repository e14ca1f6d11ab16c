/** Prometheus metrics of broker-node. */
export { BrokerMetrics, type GaugeSources, OTHER_TOPICS } from './broker-metrics.js';
