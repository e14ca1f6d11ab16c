import { expect } from '@jest/globals';
import type { RangeSummary } from './sim-harness.js';

/**
 * Asserts that a range of seeds passed AND really exercised what the simulation claims to:
 * elections, commits, crashes, snapshots, membership changes and client traffic. A stub
 * cluster that did nothing would pass the invariants but fail these.
 */
export function expectExercised(s: RangeSummary, seeds: number, minOpsPerSeed: number): void {
  expect(s.ran).toBe(seeds);
  expect(s.commits).toBeGreaterThan(seeds * 10);
  expect(s.leaderTerms).toBeGreaterThan(seeds * 2);
  expect(s.crashes).toBeGreaterThan(seeds * 3);
  expect(s.snapshots).toBeGreaterThan(seeds);
  expect(s.confChanges).toBeGreaterThan(seeds / 2);
  expect(s.historyOps).toBeGreaterThan(seeds * minOpsPerSeed);
  expect(s.lincheckOk).toBeGreaterThan(seeds * 0.98);
}
