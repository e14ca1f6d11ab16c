import { Counter, Gauge, Histogram, Registry } from 'prom-client';

/** The operator's own metrics (served on /metrics). */
export class OperatorMetrics {
  readonly registry = new Registry();
  readonly reconciles = new Counter({
    name: 'broker_operator_reconcile_total',
    help: 'Reconciles run, by result (ok, error)',
    labelNames: ['result'] as const,
    registers: [this.registry],
  });
  readonly errors = new Counter({
    name: 'broker_operator_reconcile_errors_total',
    help: 'Reconciles that failed',
    registers: [this.registry],
  });
  readonly duration = new Histogram({
    name: 'broker_operator_reconcile_duration_seconds',
    help: 'Time of one reconcile',
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });
  readonly queueDepth = new Gauge({
    name: 'broker_operator_queue_depth',
    help: 'Keys waiting in the work queue',
    registers: [this.registry],
  });
  readonly leader = new Gauge({
    name: 'broker_operator_leader',
    help: '1 while this replica holds the Lease and acts',
    registers: [this.registry],
  });
}
