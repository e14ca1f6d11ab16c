/**
 * Public API of the placement driver (docs/rebalancing.md): pure decisions about leadership
 * transfers and replica moves from measured load and the cluster map.
 */
export { PlacementDriver } from './placement-driver.js';
export { leaderCost, followerCost, spread, FOLLOWER_SHARE } from './load-model.js';
export { PlacementError, PlacementOptionsError } from './errors.js';
export {
  DEFAULT_PLACEMENT_OPTIONS,
  type GroupLoad,
  type MemberScore,
  type MoveReason,
  type PlacementDecision,
  type PlacementInput,
  type PlacementMember,
  type PlacementMove,
  type PlacementOptions,
  type PlacementStore,
} from './types.js';
export { LoadMeter } from './load-meter.js';
export { GroupLoadView, VIEW_WEIGHT, type ReplicaRates } from './group-load-view.js';
