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
