/**
 * Named errors of the cluster map. Refusals of `ClusterMap.apply` are returned (never thrown)
 * as one of these; the codecs throw them. Every class carries an optional `cause`.
 */

/** Base class: `instanceof ClusterMapError` catches everything this module produces on purpose. */
export class ClusterMapError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** A command (or a helper's argument) is malformed: a bad id, address, name or number. */
export class InvalidMetaCommandError extends ClusterMapError {}

/** Meta command bytes could not be decoded; the message names the field. */
export class MetaCommandDecodeError extends InvalidMetaCommandError {}

/** A replica id is not `<member id>@<generation>`. */
export class InvalidReplicaIdError extends ClusterMapError {}

/** The command names a member the map does not know. */
export class UnknownMemberError extends ClusterMapError {}

/** The command names a store the map does not know. */
export class UnknownStoreError extends ClusterMapError {}

/** create-store names a store that exists (or is still being deleted). */
export class StoreExistsError extends ClusterMapError {}

/**
 * The command is well formed but the map's state does not allow it: not bootstrapped yet, a
 * transition the member's state forbids, a replication factor above the active member count,
 * a member that still holds replicas, a size limit of the map.
 */
export class MetaPreconditionError extends ClusterMapError {}

/** An entry's index is not above the index the map has applied (a replay of an old entry). */
export class StaleIndexError extends ClusterMapError {}

/** Snapshot bytes are not a valid cluster map; the message names what is wrong. */
export class ClusterMapRestoreError extends ClusterMapError {}
