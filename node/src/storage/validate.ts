/**
 * Checks on values entering a store, from a caller or from disk. They throw
 * InvalidLogWriteError; the WAL's recovery wraps that into WalCorruptionError with the file
 * and offset.
 */
import type { ConfState, Entry, GroupId, HardState, SnapshotMeta } from '../raft/types.js';
import { EntryType } from '../raft/types.js';
import { InvalidLogWriteError } from './errors.js';

/** Group ids are file-name and record material: bounded so a corrupt length cannot blow memory. */
export const MAX_GROUP_ID_BYTES = 256;
/** Node ids (votes, members) are bounded for the same reason. */
export const MAX_NODE_ID_BYTES = 256;

const encoder = new TextEncoder();

function isIndex(n: unknown): n is number {
  return typeof n === 'number' && Number.isSafeInteger(n) && n >= 0;
}

/** A group id is a non-empty string of at most MAX_GROUP_ID_BYTES UTF-8 bytes, without NUL. */
export function validateGroupId(group: unknown): asserts group is GroupId {
  if (typeof group !== 'string' || group.length === 0) {
    throw new InvalidLogWriteError(String(group), 'group id must be a non-empty string');
  }
  if (group.includes('\0') || encoder.encode(group).length > MAX_GROUP_ID_BYTES) {
    throw new InvalidLogWriteError(
      group,
      `group id must be at most ${MAX_GROUP_ID_BYTES} UTF-8 bytes without NUL`
    );
  }
}

function validateNodeId(group: GroupId, what: string, id: unknown, allowEmpty: boolean): void {
  if (typeof id !== 'string' || (!allowEmpty && id.length === 0)) {
    throw new InvalidLogWriteError(
      group,
      `${what} must be a ${allowEmpty ? '' : 'non-empty '}string`
    );
  }
  if (encoder.encode(id).length > MAX_NODE_ID_BYTES) {
    throw new InvalidLogWriteError(group, `${what} is longer than ${MAX_NODE_ID_BYTES} bytes`);
  }
}

/**
 * A batch is contiguous (index i+1 follows i), every index and term is >= 1, terms never
 * decrease, types are known and data is bytes.
 */
export function validateEntries(group: GroupId, entries: readonly Entry[]): void {
  let prev: Entry | undefined;
  for (const e of entries) {
    if (!isIndex(e.index) || e.index < 1 || !isIndex(e.term) || e.term < 1) {
      throw new InvalidLogWriteError(
        group,
        `entry index ${e.index} term ${e.term}: both must be integers >= 1`
      );
    }
    if (e.type !== EntryType.Normal && e.type !== EntryType.ConfChange) {
      throw new InvalidLogWriteError(group, `entry ${e.index} has unknown type ${String(e.type)}`);
    }
    if (!(e.data instanceof Uint8Array)) {
      throw new InvalidLogWriteError(group, `entry ${e.index} data is not a Uint8Array`);
    }
    if (prev !== undefined) {
      if (e.index !== prev.index + 1) {
        throw new InvalidLogWriteError(
          group,
          `entries not contiguous: ${prev.index} then ${e.index}`
        );
      }
      if (e.term < prev.term) {
        throw new InvalidLogWriteError(
          group,
          `term decreases from ${prev.term} to ${e.term} at ${e.index}`
        );
      }
    }
    prev = e;
  }
}

/** Term and commit are non-negative integers; vote is '' or a bounded node id. */
export function validateHardState(group: GroupId, hs: HardState): void {
  if (!isIndex(hs.term) || !isIndex(hs.commit)) {
    throw new InvalidLogWriteError(
      group,
      `hard state term ${hs.term} commit ${hs.commit}: must be integers >= 0`
    );
  }
  validateNodeId(group, 'vote', hs.vote, true);
}

function validateIdList(group: GroupId, what: string, ids: unknown): void {
  if (!Array.isArray(ids))
    throw new InvalidLogWriteError(group, `confState.${what} is not an array`);
  for (const id of ids) validateNodeId(group, `confState.${what} member`, id, false);
}

/** A ConfState from a caller or a snapshot file: arrays of bounded node ids and a boolean. */
export function validateConfState(group: GroupId, cs: ConfState): void {
  if (typeof cs !== 'object' || cs === null)
    throw new InvalidLogWriteError(group, 'confState missing');
  validateIdList(group, 'voters', cs.voters);
  validateIdList(group, 'votersOutgoing', cs.votersOutgoing);
  validateIdList(group, 'learners', cs.learners);
  validateIdList(group, 'learnersNext', cs.learnersNext);
  if (typeof cs.autoLeave !== 'boolean')
    throw new InvalidLogWriteError(group, 'confState.autoLeave is not a boolean');
}

/** Index >= 1 and term >= 1 (a snapshot always covers at least one entry). */
export function validateSnapshotMeta(group: GroupId, meta: SnapshotMeta): void {
  if (!isIndex(meta.index) || meta.index < 1 || !isIndex(meta.term) || meta.term < 1) {
    throw new InvalidLogWriteError(
      group,
      `snapshot index ${meta.index} term ${meta.term}: both must be integers >= 1`
    );
  }
  validateConfState(group, meta.confState);
}

/** A compaction index is a non-negative integer. */
export function validateIndex(group: GroupId, what: string, index: number): void {
  if (!isIndex(index))
    throw new InvalidLogWriteError(group, `${what} ${index} is not an integer >= 0`);
}
