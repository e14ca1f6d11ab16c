/**
 * How a group's measured load lands on the members that hold it. The leader does all the
 * work of a request (it is where writes are proposed and linearizable reads are confirmed);
 * every follower appends and applies every write. So a leadership transfer moves the read and
 * the proposing share, and a replica move moves the follower share too.
 *
 * One load unit is one operation per second; bytes count one unit per KiB per second, so a
 * store of large values weighs what its bytes cost.
 */
import type { GroupLoad } from './types.js';

/** The fraction of a write's cost a follower pays (append, fsync, apply). */
export const FOLLOWER_SHARE = 0.5;
const BYTES_PER_UNIT = 1024;

/** Load units on the group's leader. */
export function leaderCost(l: GroupLoad): number {
  return l.writesPerSec + l.readsPerSec + l.bytesPerSec / BYTES_PER_UNIT;
}

/** Load units on each follower of the group. */
export function followerCost(l: GroupLoad): number {
  return FOLLOWER_SHARE * (l.writesPerSec + l.bytesPerSec / BYTES_PER_UNIT);
}

/** Squared distance of every score from their mean: the spread the driver reduces. */
export function spread(scores: readonly number[]): number {
  if (scores.length === 0) return 0;
  const mean = scores.reduce((a, b) => a + b, 0) / scores.length;
  return scores.reduce((a, s) => a + (s - mean) * (s - mean), 0);
}
