/**
 * The commands a store's Raft group replicates, and what applying one yields. Everything
 * here is plain data: commands travel through `command-codec.ts`, results and events are
 * handed to the gRPC layer and the watch history.
 */
import type { Data, DataKind } from '../data/index.js';

import type { StoreOpError } from './errors.js';

/**
 * One operation of a write batch. `expiryNs` is relative to the command's `nowUnixNs`
 * (the leader's clock when it proposed); when present it is > 0. An operation that writes a
 * key without `expiryNs` leaves the key without a deadline (as Broker's backends do).
 */
export type StoreOp =
  | { readonly op: 'put'; readonly key: Data; readonly value: Data; readonly expiryNs?: bigint }
  | {
      readonly op: 'put_unique';
      readonly key: Data;
      readonly value: Data;
      readonly expiryNs?: bigint;
    }
  | { readonly op: 'erase'; readonly key: Data }
  | { readonly op: 'clear' }
  | {
      readonly op: 'add';
      readonly key: Data;
      readonly value: Data;
      /** Kind a missing key starts as (its zero or empty value); default: the kind of `value`. */
      readonly initType?: DataKind;
      readonly expiryNs?: bigint;
    }
  | {
      readonly op: 'subtract';
      readonly key: Data;
      readonly value: Data;
      readonly expiryNs?: bigint;
    }
  | {
      readonly op: 'cas';
      readonly key: Data;
      /** The version the key must have (0 = absent). Invariant: 0 <= expectedVersion < 2^64. */
      readonly expectedVersion: bigint;
      /** What to write; exactly one of `value` and `erase: true` is given. */
      readonly value?: Data;
      readonly erase?: boolean;
      /** Only with `value`. */
      readonly expiryNs?: bigint;
    };

/** The name of an operation. */
export type StoreOpName = StoreOp['op'];

/** A key the leader decided has expired, with the deadline it saw. */
export interface ExpiredKey {
  readonly key: Data;
  readonly expiresAtUnixNs: bigint;
}

/** One entry of a store's Raft log. */
export type StoreCommand =
  | {
      readonly kind: 'write';
      /** The client's request id, for de-duplication and tracing (opaque here). */
      readonly requestId: string;
      /** Who asked (the accepting peer's id); copied into every event. */
      readonly publisher: string;
      /** The leader's clock when it proposed, ns since the epoch; the base of every expiry. */
      readonly nowUnixNs: bigint;
      /** Applied in order, atomically. Invariant: 1..MAX_OPS_PER_COMMAND operations. */
      readonly ops: readonly StoreOp[];
    }
  | {
      /**
       * Decided by the leader: these keys expired at `nowUnixNs`. Each names the deadline the
       * leader saw, so a key re-written with a new deadline afterwards is not expired
       * (Broker bug broker#129: stale expirations after an overwrite).
       */
      readonly kind: 'expire';
      readonly nowUnixNs: bigint;
      readonly keys: readonly ExpiredKey[];
      /** Who decided (the leader's id); copied into every `expire` event. Default ''. */
      readonly publisher?: string;
    };

/** The outcome of one operation (or, for `expire` commands, of one named key). */
export interface OpResult {
  /** put_unique: whether the key was inserted. */
  inserted?: boolean;
  /** cas: whether the condition held and the write or erase happened. */
  swapped?: boolean;
  /** erase, cas with erase, clear, expire: whether there was something to remove. */
  existed?: boolean;
  /** The key's version after the operation: the log index that last wrote it, 0 = absent. */
  version: bigint;
}

/** One change of one key, in Broker's store_event shape. */
export type StoreEvent =
  | {
      readonly type: 'insert';
      readonly key: Data;
      readonly value: Data;
      /** The relative expiry the write set, if any. */
      readonly expiryNs?: bigint;
      readonly index: number;
      readonly publisher: string;
    }
  | {
      readonly type: 'update';
      readonly key: Data;
      readonly oldValue: Data;
      readonly value: Data;
      readonly expiryNs?: bigint;
      readonly index: number;
      readonly publisher: string;
    }
  | {
      readonly type: 'erase';
      readonly key: Data;
      readonly index: number;
      readonly publisher: string;
    }
  | {
      readonly type: 'expire';
      readonly key: Data;
      readonly index: number;
      readonly publisher: string;
    };

/** What `StoreState.apply` returns: results and events, or why nothing changed. */
export type ApplyOutcome =
  | { readonly ok: true; readonly results: OpResult[]; readonly events: StoreEvent[] }
  | { readonly ok: false; readonly error: StoreOpError; readonly events: [] };

/** What a `get` finds. */
export interface StoredValue {
  readonly value: Data;
  /** The log index that last wrote the key. */
  readonly version: bigint;
  /** The key's deadline, ns since the epoch; absent when it never expires. */
  readonly expiresAtUnixNs?: bigint;
}
