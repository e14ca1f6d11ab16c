/**
 * Raft messages between the library's form (node/src/raft/types.ts) and the wire's
 * (proto/broker/v1/raft.proto). Everything coming in is validated here: uint64 strings must
 * be integers up to 2^53, enums known, ids and groups bounded. A failure is a WireFormatError
 * (the caller drops the message and counts it), never a crash.
 */
import type { RaftConfState, RaftConfState__Output } from '../gen/broker/v1/RaftConfState.js';
import type { RaftEntry } from '../gen/broker/v1/RaftEntry.js';
import type { RaftMessage, RaftMessage__Output } from '../gen/broker/v1/RaftMessage.js';
import type {
  RaftSnapshotMeta,
  RaftSnapshotMeta__Output,
} from '../gen/broker/v1/RaftSnapshotMeta.js';
import {
  EntryType,
  MessageType,
  type ConfState,
  type Entry,
  type Message,
  type SnapshotMeta,
} from '../raft/types.js';
import { WireFormatError } from './errors.js';

/** Group ids and replica ids on the wire are at most this many UTF-8 bytes (as in the WAL). */
export const MAX_WIRE_ID_BYTES = 256;
/** A ReadIndex context (ours are 16 bytes). */
export const MAX_CONTEXT_BYTES = 1024;
/** Members listed in one ConfState. */
export const MAX_CONF_MEMBERS = 1024;

const TYPE_BY_NAME: ReadonlyMap<string, number> = new Map([
  ['RAFT_MESSAGE_TYPE_APPEND', MessageType.Append],
  ['RAFT_MESSAGE_TYPE_APPEND_RESPONSE', MessageType.AppendResponse],
  ['RAFT_MESSAGE_TYPE_VOTE', MessageType.Vote],
  ['RAFT_MESSAGE_TYPE_VOTE_RESPONSE', MessageType.VoteResponse],
  ['RAFT_MESSAGE_TYPE_PRE_VOTE', MessageType.PreVote],
  ['RAFT_MESSAGE_TYPE_PRE_VOTE_RESPONSE', MessageType.PreVoteResponse],
  ['RAFT_MESSAGE_TYPE_HEARTBEAT', MessageType.Heartbeat],
  ['RAFT_MESSAGE_TYPE_HEARTBEAT_RESPONSE', MessageType.HeartbeatResponse],
  ['RAFT_MESSAGE_TYPE_SNAPSHOT', MessageType.Snapshot],
  ['RAFT_MESSAGE_TYPE_SNAPSHOT_RESPONSE', MessageType.SnapshotResponse],
  ['RAFT_MESSAGE_TYPE_TIMEOUT_NOW', MessageType.TimeoutNow],
  ['RAFT_MESSAGE_TYPE_TRANSFER_LEADER', MessageType.TransferLeader],
  ['RAFT_MESSAGE_TYPE_READ_INDEX', MessageType.ReadIndex],
  ['RAFT_MESSAGE_TYPE_READ_INDEX_RESPONSE', MessageType.ReadIndexResponse],
  ['RAFT_MESSAGE_TYPE_PROPOSE', MessageType.Propose],
]);

const UINT_RE = /^\d{1,16}$/;
const encoder = new TextEncoder();

/** A uint64 (longs: String) that must fit a safe integer. */
export function wireUint(v: unknown, what: string): number {
  if (typeof v === 'number') {
    if (Number.isSafeInteger(v) && v >= 0) return v;
  } else if (typeof v === 'string' && UINT_RE.test(v)) {
    const n = Number(v);
    if (Number.isSafeInteger(n)) return n;
  }
  throw new WireFormatError(`${what} ${JSON.stringify(String(v))} is not an integer in [0, 2^53)`);
}

/** A non-empty id or group name of bounded size. */
export function wireId(v: unknown, what: string, allowEmpty = false): string {
  if (typeof v !== 'string') throw new WireFormatError(`${what} is not a string`);
  if (v === '' && !allowEmpty) throw new WireFormatError(`${what} is empty`);
  if (v.length > MAX_WIRE_ID_BYTES || encoder.encode(v).length > MAX_WIRE_ID_BYTES) {
    throw new WireFormatError(`${what} is longer than ${MAX_WIRE_ID_BYTES} bytes`);
  }
  return v;
}

function idList(v: unknown, what: string): string[] {
  if (!Array.isArray(v)) throw new WireFormatError(`${what} is not a list`);
  if (v.length > MAX_CONF_MEMBERS) throw new WireFormatError(`${what} has too many members`);
  return v.map((x, i) => wireId(x, `${what}[${i}]`));
}

export function confStateToWire(cs: ConfState): RaftConfState {
  return {
    voters: [...cs.voters],
    voters_outgoing: [...cs.votersOutgoing],
    learners: [...cs.learners],
    learners_next: [...cs.learnersNext],
    auto_leave: cs.autoLeave,
  };
}

export function confStateFromWire(w: RaftConfState__Output | null | undefined): ConfState {
  if (w === null || w === undefined) throw new WireFormatError('conf_state is missing');
  return {
    voters: idList(w.voters, 'voters'),
    votersOutgoing: idList(w.voters_outgoing, 'voters_outgoing'),
    learners: idList(w.learners, 'learners'),
    learnersNext: idList(w.learners_next, 'learners_next'),
    autoLeave: w.auto_leave === true,
  };
}

export function snapshotMetaToWire(m: SnapshotMeta): RaftSnapshotMeta {
  return { index: m.index, term: m.term, conf_state: confStateToWire(m.confState) };
}

export function snapshotMetaFromWire(w: RaftSnapshotMeta__Output | null | undefined): SnapshotMeta {
  if (w === null || w === undefined) throw new WireFormatError('snapshot meta is missing');
  const index = wireUint(w.index, 'snapshot index');
  if (index < 1) throw new WireFormatError('snapshot index must be at least 1');
  return {
    index,
    term: wireUint(w.term, 'snapshot term'),
    confState: confStateFromWire(w.conf_state),
  };
}

/** The wire form of a message that is not a Snapshot (those travel over InstallSnapshot). */
export function messageToWire(m: Message): RaftMessage {
  const entries: RaftEntry[] = m.entries.map((e) => ({
    term: e.term,
    index: e.index,
    type: e.type,
    data: e.data,
  }));
  return {
    group: m.group,
    type: m.type,
    from: m.from,
    to: m.to,
    term: m.term,
    log_term: m.logTerm,
    index: m.index,
    entries,
    commit: m.commit,
    reject: m.reject,
    reject_hint: m.rejectHint,
    ...(m.context !== undefined ? { context: m.context } : {}),
  };
}

/** Approximate wire size of a message, for queue and frame bounds. */
export function wireSize(m: Message): number {
  let n = 64 + m.group.length + m.from.length + m.to.length + (m.context?.length ?? 0);
  for (const e of m.entries) n += 24 + e.data.length;
  return n;
}

const EMPTY = new Uint8Array(0);

/**
 * A message from the Raft stream. Snapshot messages are refused here (they come only through
 * InstallSnapshot, reassembled and checked there), as is the local-only SnapshotResponse.
 */
export function messageFromWire(w: RaftMessage__Output, maxEntries: number): Message {
  if (w === null || typeof w !== 'object') throw new WireFormatError('message is not an object');
  const type = TYPE_BY_NAME.get(String(w.type));
  if (type === undefined) throw new WireFormatError(`unknown message type ${String(w.type)}`);
  if (type === MessageType.Snapshot || type === MessageType.SnapshotResponse) {
    throw new WireFormatError(`message type ${String(w.type)} is not accepted on a Raft stream`);
  }
  if (!Array.isArray(w.entries)) throw new WireFormatError('entries is not a list');
  if (w.entries.length > maxEntries) {
    throw new WireFormatError(`message has ${w.entries.length} entries (at most ${maxEntries})`);
  }
  const entries: Entry[] = w.entries.map((e, i) => {
    const et =
      e.type === 'RAFT_ENTRY_TYPE_NORMAL'
        ? EntryType.Normal
        : e.type === 'RAFT_ENTRY_TYPE_CONF_CHANGE'
          ? EntryType.ConfChange
          : undefined;
    if (et === undefined)
      throw new WireFormatError(`entry ${i} has unknown type ${String(e.type)}`);
    if (!(e.data instanceof Uint8Array)) throw new WireFormatError(`entry ${i} data is not bytes`);
    return {
      term: wireUint(e.term, `entry ${i} term`),
      index: wireUint(e.index, `entry ${i} index`),
      type: et,
      data: e.data,
    };
  });
  const ctx = w.context;
  if (ctx !== undefined && !(ctx instanceof Uint8Array)) {
    throw new WireFormatError('context is not bytes');
  }
  if (ctx !== undefined && ctx.length > MAX_CONTEXT_BYTES) {
    throw new WireFormatError(`context is longer than ${MAX_CONTEXT_BYTES} bytes`);
  }
  return {
    group: wireId(w.group, 'group'),
    type: type as MessageType,
    from: wireId(w.from, 'from'),
    to: wireId(w.to, 'to'),
    term: wireUint(w.term, 'term'),
    logTerm: wireUint(w.log_term, 'log_term'),
    index: wireUint(w.index, 'index'),
    entries,
    commit: wireUint(w.commit, 'commit'),
    reject: w.reject === true,
    rejectHint: wireUint(w.reject_hint, 'reject_hint'),
    // Only ReadIndex and its response carry a context; an empty one means none.
    ...(ctx !== undefined && ctx.length > 0 ? { context: ctx } : {}),
  };
}

export { EMPTY as EMPTY_BYTES };
