/**
 * Named errors of the replication engine. The proposal errors are the three outcome classes a
 * caller must tell apart: certainly not applied (NotLeaderError, ProposalRejectedError,
 * ReplicaBusyError, GroupClosedError), and outcome unknown (ProposalTimeoutError).
 */

/** Base class: `instanceof ReplicationError` catches everything this module throws on purpose. */
export class ReplicationError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** A ReplicaHostOptions value is missing or out of range; the message names it. */
export class ReplicationConfigError extends ReplicationError {}

/** Not applied: this replica is not the group's leader. `leaderReplicaId` is the one it knows of. */
export class NotLeaderError extends ReplicationError {
  readonly outcome = 'not-applied' as const;
  constructor(
    readonly group: string,
    readonly leaderReplicaId: string | undefined,
    options?: ErrorOptions
  ) {
    super(
      `group ${group}: this replica is not the leader` +
        (leaderReplicaId === undefined ? ' (no leader known)' : ` (leader is ${leaderReplicaId})`),
      options
    );
  }
}

/**
 * Not applied: Raft refused the proposal (no leader, leadership transfer in progress, too much
 * uncommitted), or it was lost to a leadership change (the entry at its index has another term).
 */
export class ProposalRejectedError extends ReplicationError {
  readonly outcome = 'not-applied' as const;
}

/** Not applied: the group already has the maximum number of pending proposals or reads. */
export class ReplicaBusyError extends ReplicationError {
  readonly outcome = 'not-applied' as const;
  constructor(
    readonly group: string,
    readonly limit: number,
    what: string,
    flag: string
  ) {
    super(`group ${group} is busy: ${limit} ${what} pending (${flag})`);
  }
}

/** Not applied: a proposal is larger than the largest entry a replica accepts. */
export class EntryTooLargeError extends ReplicationError {
  readonly outcome = 'not-applied' as const;
}

/**
 * Outcome unknown: the entry was proposed and may still commit (or a snapshot replaced the
 * log around it). Retrying blindly may apply it twice.
 */
export class ProposalTimeoutError extends ReplicationError {
  readonly outcome = 'unknown' as const;
}

/**
 * Applied: the entry committed and was applied on every replica, but this replica's state
 * machine threw (a bug there; `cause` is its error). Do not retry.
 */
export class ApplyFailedError extends ReplicationError {
  readonly outcome = 'applied' as const;
}

/** A linearizable read could not be confirmed in time (nothing was changed). */
export class ReadIndexTimeoutError extends ReplicationError {}

/**
 * The group is not (or no longer) hosted here, or the host is closing. `outcome` is
 * 'not-applied' for a call made on a closed group, 'unknown' for a proposal that was pending
 * when the group closed (it may still commit on the other replicas).
 */
export class GroupClosedError extends ReplicationError {
  constructor(
    message: string,
    readonly outcome: 'not-applied' | 'unknown' = 'not-applied',
    options?: ErrorOptions
  ) {
    super(message, options);
  }
}

/** The group is marked broken and is being rebuilt from the leader's snapshot. */
export class ReplicaBrokenError extends ReplicationError {
  readonly outcome = 'not-applied' as const;
}

/** A frame or message from a peer failed validation (dropped and counted, never thrown far). */
export class WireFormatError extends ReplicationError {}
