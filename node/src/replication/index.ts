/**
 * The replication engine: every Raft group of a member over one WAL and the BrokerReplication
 * gRPC streams. See docs/replication.md.
 */
export { ReplicaHost, REPLICATION_DEFAULTS, type ResolvedHostOptions } from './replica-host.js';
export type {
  DropReason,
  FollowerProgressView,
  GroupStateMachine,
  GroupStatusView,
  LinkFilter,
  PeerDirectory,
  ProposalOutcome,
  ReplicaHostOptions,
  ReplicationObserver,
} from './types.js';
export {
  ApplyFailedError,
  EntryTooLargeError,
  GroupClosedError,
  NotLeaderError,
  ProposalRejectedError,
  ProposalTimeoutError,
  ReadIndexTimeoutError,
  ReplicaBrokenError,
  ReplicaBusyError,
  ReplicationConfigError,
  ReplicationError,
  WireFormatError,
} from './errors.js';
export { MAX_FRAME_BYTES, MAX_GRPC_MESSAGE_BYTES } from './client-pool.js';
export { HandshakeError, REPLICATION_PROTOCOL_VERSION } from './peer-handshake.js';
export type { ConfChangeV2, ConfState } from '../raft/types.js';
