import type { Data } from '../data/index.js';

/** A delivered event, decoded. */
export interface Message {
  readonly topic: string;
  readonly data: Data;
  /** When the publishing node accepted it (unix ms, fractional); 0 if unknown. */
  readonly publishTimeMs: number;
}

/** A delivered event as bytes of the binary codec (no decoding cost). */
export interface RawMessage {
  readonly topic: string;
  readonly bytes: Uint8Array;
  readonly publishTimeMs: number;
}

/** A batch of delivered events as one Delivery carried them, plus drop accounting. */
export interface RawBatch {
  readonly messages: RawMessage[];
  /** Events the node discarded for this subscriber so far (drop-oldest). */
  readonly droppedTotal: number;
  readonly droppedSinceLast: number;
}

/**
 * Delivered events of one topic as the node sent them: `data` holds their encodings back to
 * back and `sizes` partitions it (sum(sizes) === data.length). The cheapest way to consume a
 * high-rate stream: walk the offsets and decode each event with
 * `BinaryDecoder.decodeRange(data, start, end)`, no per-event view or object.
 */
export interface RawRun {
  readonly topic: string;
  readonly data: Uint8Array;
  readonly sizes: readonly number[];
  readonly publishTimeMs: number;
}

/** The runs of one Delivery, plus drop accounting. */
export interface RawRunBatch {
  readonly runs: RawRun[];
  /** Events the node discarded for this subscriber so far (drop-oldest). */
  readonly droppedTotal: number;
  readonly droppedSinceLast: number;
}
