/**
 * Named errors of the Raft library. Every class carries an optional `cause` so a caller can
 * wrap and rethrow without losing the origin.
 */

/** Base class: `instanceof RaftError` catches everything this library throws on purpose. */
export class RaftError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}

/**
 * A proposal (or read, or transfer request) was not accepted. Nothing was appended; the
 * caller may retry, typically after a leader is known again.
 */
export class ProposalDroppedError extends RaftError {}

/** The requested log index is older than the first index still held (it was compacted). */
export class CompactedError extends RaftError {}

/** The requested log index is past the last index held. */
export class UnavailableError extends RaftError {}

/** The snapshot handed to storage is older than the one it already has. */
export class SnapshotOutOfDateError extends RaftError {}

/** Storage cannot produce a snapshot right now; the leader retries later. */
export class SnapshotTemporarilyUnavailableError extends RaftError {}

/** A Config value is missing or out of range; the message names the field. */
export class ConfigError extends RaftError {}

/** A membership change is invalid (e.g. removes every voter, or leaves a non-joint config). */
export class ConfChangeError extends RaftError {}

/** Conf-change entry data could not be decoded. */
export class ConfChangeDecodeError extends RaftError {}

/** A message was stepped into the wrong node (wrong group, local-only type, unknown peer). */
export class StepError extends RaftError {}

/** The caller broke the Ready/advance protocol (e.g. ready() twice without advance()). */
export class UsageError extends RaftError {}

/** An internal invariant broke: the node's state can no longer be trusted. */
export class InvariantError extends RaftError {}

/** A message names a group this host does not run. */
export class UnknownGroupError extends RaftError {}
