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
    let offset = 0;
    for (let i = 0; i < run.sizes.length; i++) {
      const size = run.sizes[i] as number;
      if (size > this.maxMessageBytes) {
        throw new LimitExceededError(
          'max-message-bytes',
          `event ${i} on ${run.topic} has ${size} bytes, more than ${this.maxMessageBytes}`
        );
      }
      const start = offset;
      offset += size;
      try {
        this.decoder.validateRange(run.data, start, offset);
      } catch (e) {
        if (e instanceof DataDecodeError && e.reason === 'depth-limit') {
          throw new LimitExceededError(
            'max-depth',
            `event ${i} on ${run.topic} nests deeper than ${this.maxDepth}`,
            {
              cause: e,
            }
          );
        }
        throw new InvalidPayloadError(
          `event ${i} on ${run.topic} is not valid data: ${(e as Error).message}`,
          {
            cause: e,
          }
        );
      }
    }
  }
}
