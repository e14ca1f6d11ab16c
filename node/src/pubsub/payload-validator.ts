import { BinaryDecoder, DataDecodeError } from '../data/index.js';
import { InvalidPayloadError, LimitExceededError } from './errors.js';
import type { EventRun } from './event-run.js';

/**
 * Checks events on publish: each must fit the message size limit and be exactly one valid
 * binary-encoded value within the nesting limit. Nodes check only on publish; peers trust the
 * publishing node and forward bytes untouched.
 */
export class PayloadValidator {
  private readonly decoder: BinaryDecoder;

  constructor(
    readonly maxMessageBytes: number,
    readonly maxDepth: number
  ) {
    // The decoder's own size check is set past ours, so oversize events are reported against
    // the node's flag rather than the codec's.
    this.decoder = new BinaryDecoder({ maxDepth, maxBytes: maxMessageBytes + 1 });
  }

  /** Throws {@link LimitExceededError} or {@link InvalidPayloadError} for the first bad event. */
  validate(run: EventRun): void {
    const sizes = run.sizes;
    let oversize = sizes.length;
    for (let i = 0; i < sizes.length; i++) {
      if ((sizes[i] as number) > this.maxMessageBytes) {
        oversize = i;
        break;
      }
    }
    // One pass over the events before the first oversize one; errors are rare, so the bad
    // event is checked again on its own to get its error.
    const bad = this.decoder.validateEach(run.data, sizes, oversize);
    if (bad >= 0) {
      let start = 0;
      for (let i = 0; i < bad; i++) start += sizes[i] as number;
      this.fail(run, bad, start, start + (sizes[bad] as number));
    }
    if (oversize < sizes.length) {
      throw new LimitExceededError(
        'max-message-bytes',
        `event ${oversize} on ${run.topic} has ${sizes[oversize]} bytes, more than ${this.maxMessageBytes}`
      );
    }
  }

  private fail(run: EventRun, i: number, start: number, end: number): never {
    try {
      this.decoder.validateRange(run.data, start, end);
    } catch (e) {
      if (e instanceof DataDecodeError && e.reason === 'depth-limit') {
        throw new LimitExceededError(
          'max-depth',
          `event ${i} on ${run.topic} nests deeper than ${this.maxDepth}`,
          { cause: e }
        );
      }
      throw new InvalidPayloadError(
        `event ${i} on ${run.topic} is not valid data: ${(e as Error).message}`,
        { cause: e }
      );
    }
    throw new InvalidPayloadError(`event ${i} on ${run.topic} is not valid data`);
  }
}
