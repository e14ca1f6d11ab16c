/**
 * Public API of the cluster map: the `meta` Raft group's state machine (members, stores and
 * their placement) and the placement functions. See docs/cluster.md.
 */
export { ClusterMap } from './cluster-map.js';
export { encodeMetaCommand, decodeMetaCommand, parseMetaCommand } from './meta-command-codec.js';
export { hrwRank, hrwScore, placeStore, desiredReplicas } from './placement.js';
export { replicaId, parseReplicaId } from './replica-id.js';
export { metaVoterTarget, metaVoterCountProblem } from './meta-voters.js';
export { storeGroupId, MEMBER_ID_RE, checkAddress, checkStoreName } from './names.js';
export {
  MAX_MEMBERS,
  MAX_STORES,
  MAX_META_COMMAND_BYTES,
  MAX_SNAPSHOT_BYTES,
  MAX_STORE_NAME_LENGTH,
} from './limits.js';
export {
  MEMBER_STATES,
  type MemberState,
  type MemberRecord,
  type MemberAddress,
  type StoreOptions,
  type StoreRecord,
  type ClusterMapState,
  type MetaCommand,
  type MetaCommandKind,
  type MetaApplyResult,
} from './types.js';
export {
  ClusterMapError,
  InvalidMetaCommandError,
  MetaCommandDecodeError,
  InvalidReplicaIdError,
  UnknownMemberError,
  UnknownStoreError,
  StoreExistsError,
  MetaPreconditionError,
  StaleIndexError,
  ClusterMapRestoreError,
} from './errors.js';
