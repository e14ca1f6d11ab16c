/** Jest-only helpers (import this file directly; it is not re-exported by index.ts, which non-jest programs such as dev-cluster use). */
import { afterAll, beforeAll, test } from '@jest/globals';
import { startCluster, type Cluster, type ClusterOptions } from './cluster.js';

/** What {@link useCluster} gives a test file. */
export interface ClusterFixture {
  /** The running cluster (throws outside a test). */
  readonly cluster: Cluster;
  /**
   * Declares a test whose failure (thrown error or timeout) keeps the cluster's logs and
   * prints their path at teardown.
   */
  test(name: string, fn: () => Promise<void>, timeoutMs?: number): void;
}

/**
 * Starts one cluster for the test file (beforeAll) and stops it in afterAll, also after a
 * failed or timed-out test. Logs are kept when any test of the file failed.
 */
export function useCluster(options: ClusterOptions = {}, startTimeoutMs = 120_000): ClusterFixture {
  let cluster: Cluster | undefined;
  let failed = false;
  let running = 0;
  beforeAll(async () => {
    cluster = await startCluster(options);
  }, startTimeoutMs);
  afterAll(async () => {
    // A test still "running" here was abandoned by a jest timeout: count it as failed.
    await cluster?.stop({ keepLogs: failed || running > 0 });
  }, 60_000);
  return {
    get cluster(): Cluster {
      if (cluster === undefined)
        throw new Error('the test cluster is not running (did beforeAll fail?)');
      return cluster;
    },
    test(name, fn, timeoutMs) {
      test(
        name,
        async () => {
          running++;
          try {
            await fn();
          } catch (err) {
            failed = true;
            throw err;
          } finally {
            running--;
          }
        },
        timeoutMs
      );
    },
  };
}
