/**
 * The store state machine: Broker's store operations over `Data` keys and values, applied
 * identically by every replica of a store's Raft group. Pure: no I/O, no clock, no
 * randomness. See README.md for the contract and docs/stores.md for the semantics.
 */
export {
  COMMAND_FORMAT_VERSION,
  MAX_EXPIRE_KEYS,
  MAX_ID_BYTES,
  MAX_OPS_PER_COMMAND,
  decodeCommand,
  encodeCommand,
} from './command-codec.js';
export {
  StoreCommandError,
  StoreInvariantError,
  StoreOpError,
  StoreSnapshotError,
} from './errors.js';
export type { StoreOpErrorCode } from './errors.js';
export { EventHistory } from './event-history.js';
export {
  DEFAULT_STORE_LIMITS,
  LIMIT_FLAGS,
  MAX_KEYS_CEILING,
  MAX_STORE_BYTES_CEILING,
  validateStoreLimits,
} from './limits.js';
export type { StoreLimits } from './limits.js';
export { SNAPSHOT_FORMAT_VERSION } from './snapshot-codec.js';
export { StoreState } from './store-state.js';
export type { Entry as StoreEntry } from './entry.js';
export type {
  ApplyOutcome,
  ExpiredKey,
  OpResult,
  StoreCommand,
  StoreEvent,
  StoreOp,
  StoreOpName,
  StoredValue,
} from './types.js';
