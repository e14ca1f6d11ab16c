/** The operator's HTTP endpoints and metrics. */
export { OperatorMetrics } from './operator-metrics.js';
export { startHealthServer, type HealthChecks } from './health-server.js';
