/**
 * Durable storage for Raft groups: the log store contract, an in-memory store that models
 * crashes for simulation, and the on-disk write-ahead log. See docs/storage.md.
 */
export type { LogStore, LogStoreWriter, RecoveredGroup, SyncLogStore } from './types.js';
export { EMPTY_HARD_STATE } from './types.js';
export { MemoryLogStore } from './memory-log-store.js';
export type { CrashReport } from './memory-log-store.js';
export {
  InvalidLogWriteError,
  SnapshotCorruptionError,
  StagingLimitError,
  StorageClosedError,
  StorageConfigError,
  StorageError,
  WalCorruptionError,
  WalFailedError,
} from './errors.js';
export type { StorageLogger } from './types.js';
export { WalLogStore } from './wal-log-store.js';
export type { RecoveryReport, WalLogStoreOptions } from './wal-log-store.js';
export { crc32c } from './crc32c.js';
