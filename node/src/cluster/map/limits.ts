/**
 * Bounds of the cluster map. The map lives in memory on every peer and in every meta snapshot,
 * so each list has a ceiling and a command that would pass one is refused.
 */

/** Member records, removed ones included (they keep the generation of an id). */
export const MAX_MEMBERS = 1024;
/** Store records, deleting ones included. */
export const MAX_STORES = 4096;
/** One encoded meta command. */
export const MAX_META_COMMAND_BYTES = 1024 * 1024;
/** One encoded snapshot of the map. */
export const MAX_SNAPSHOT_BYTES = 64 * 1024 * 1024;
/** HOST:PORT text of a member address. */
export const MAX_ADDRESS_LENGTH = 261;
/** A store name (it becomes part of a group id, a file name and a metric label). */
export const MAX_STORE_NAME_LENGTH = 128;
