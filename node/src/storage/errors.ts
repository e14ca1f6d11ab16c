/** Named errors of the storage module. Each carries enough context to act on without a stack trace. */

/** Base class, so callers can tell storage failures from others with one `instanceof`. */
export class StorageError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'StorageError';
  }
}

/** A write the log cannot accept: a gap in indexes, a malformed batch, a bad group id. Nothing was staged. */
export class InvalidLogWriteError extends StorageError {
  readonly group: string;
  constructor(group: string, reason: string, options?: ErrorOptions) {
    super(`invalid write to group ${JSON.stringify(group)}: ${reason}`, options);
    this.name = 'InvalidLogWriteError';
    this.group = group;
  }
}

/**
 * The write-ahead log is damaged somewhere other than its unsynced tail (a bad checksum followed
 * by valid data, a bad record in a segment that is not the last, inconsistent indexes). The
 * store refuses to open rather than silently drop acknowledged writes.
 */
export class WalCorruptionError extends StorageError {
  readonly file: string;
  readonly offset: number;
  constructor(file: string, offset: number, reason: string, options?: ErrorOptions) {
    super(`write-ahead log corrupt in ${file} at offset ${offset}: ${reason}`, options);
    this.name = 'WalCorruptionError';
    this.file = file;
    this.offset = offset;
  }
}

/** A snapshot file failed validation (magic, length, checksum, or it is not the snapshot the log names). */
export class SnapshotCorruptionError extends StorageError {
  readonly file: string;
  constructor(file: string, reason: string, options?: ErrorOptions) {
    super(`snapshot file ${file} is unusable: ${reason}`, options);
    this.name = 'SnapshotCorruptionError';
    this.file = file;
  }
}

/** More bytes were staged than the configured bound; the caller must `sync()` before staging more. */
export class StagingLimitError extends StorageError {
  readonly stagedBytes: number;
  readonly limitBytes: number;
  constructor(stagedBytes: number, limitBytes: number) {
    super(
      `staging limit exceeded: ${stagedBytes} bytes staged, limit ${limitBytes}; await sync() before staging more`
    );
    this.name = 'StagingLimitError';
    this.stagedBytes = stagedBytes;
    this.limitBytes = limitBytes;
  }
}

/** The store was closed; it accepts no further calls. */
export class StorageClosedError extends StorageError {
  constructor() {
    super('log store is closed');
    this.name = 'StorageClosedError';
  }
}

/**
 * A write or fsync failed. After a failed fsync the kernel may have dropped the dirty pages, so
 * retrying could report success for data that is gone; the store refuses all further writes.
 */
export class WalFailedError extends StorageError {
  constructor(reason: string, options?: ErrorOptions) {
    super(`write-ahead log failed and accepts no more writes: ${reason}`, options);
    this.name = 'WalFailedError';
  }
}

/** A store option is out of range. */
export class StorageConfigError extends StorageError {
  constructor(reason: string) {
    super(`invalid storage option: ${reason}`);
    this.name = 'StorageConfigError';
  }
}
