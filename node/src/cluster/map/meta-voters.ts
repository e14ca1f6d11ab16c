/**
 * How many meta voters a cluster has: 3 or 5 (a quorum that survives one or two failures
 * without making every write wait on many peers), or every active member while there are
 * fewer than 3. The manager chooses who; the map checks the count.
 */

/** The number of meta voters the manager should aim for with `activeCount` active members. */
export function metaVoterTarget(activeCount: number): number {
  if (activeCount < 3) return Math.max(0, activeCount);
  return activeCount < 5 ? 3 : 5;
}

/** Why `voters` meta voters is not allowed with `activeCount` active members, or undefined. */
export function metaVoterCountProblem(voters: number, activeCount: number): string | undefined {
  if (voters === 3 || voters === 5) {
    return voters <= activeCount
      ? undefined
      : `${voters} meta voters need ${voters} active members, there are ${activeCount}`;
  }
  if (voters >= 1 && voters === activeCount && activeCount < 3) return undefined;
  return `${voters} meta voters: it must be 3 or 5, or all active members while fewer than 3 (there are ${activeCount})`;
}
