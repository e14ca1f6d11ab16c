/**
 * Public API of the Raft library. See README.md in this folder for the contract.
 */
export * from './types.js';
export {
  RawNode,
  type Status,
  type BasicStatus,
  type ProgressStatus,
  type ProposalPosition,
  type ProposalRange,
} from './raw-node.js';
export { MemoryStorage } from './memory-storage.js';
export { validateConfig, CONFIG_DEFAULTS, type ResolvedConfig } from './config.js';
export { encodeConfChange, decodeConfChange } from './conf-change-codec.js';
export { EMPTY_CONF_STATE, confState, confStateEquals } from './conf-state.js';
export { entrySize, payloadSize, ENTRY_OVERHEAD_BYTES } from './entry-size.js';
export type { ProgressState } from './progress.js';
export {
  RaftError,
  ProposalDroppedError,
  CompactedError,
  UnavailableError,
  SnapshotOutOfDateError,
  SnapshotTemporarilyUnavailableError,
  ConfigError,
  ConfChangeError,
  ConfChangeDecodeError,
  StepError,
  UsageError,
  InvariantError,
  UnknownGroupError,
} from './errors.js';
export { RaftHost, type HostReady, type GroupReady } from './multi-raft.js';
export { messageTypeName } from './message-names.js';
export { describeConfState } from './raft.js';
