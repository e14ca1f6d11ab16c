/** Errors of the pub/sub core. Each names what was wrong so it can go back to a client. */

/** A topic or subscription prefix does not follow the topic syntax. */
export class InvalidTopicError extends Error {
  override readonly name = 'InvalidTopicError';
  constructor(
    readonly topic: string,
    readonly reason: string,
    options?: ErrorOptions
  ) {
    super(`invalid topic ${JSON.stringify(topic.slice(0, 80))}: ${reason}`, options);
  }
}

/** A configured limit was exceeded; `limit` is the flag name that sets it. */
export class LimitExceededError extends Error {
  override readonly name = 'LimitExceededError';
  constructor(
    readonly limit: string,
    message: string,
    options?: ErrorOptions
  ) {
    super(`${message} (limit ${limit})`, options);
  }
}

/** An event's bytes are not a valid encoding of the data model. */
export class InvalidPayloadError extends Error {
  override readonly name = 'InvalidPayloadError';
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
  }
}

/** A queue was closed while something waited on it. */
export class QueueClosedError extends Error {
  override readonly name = 'QueueClosedError';
  constructor(what: string, options?: ErrorOptions) {
    super(`${what} closed`, options);
  }
}

/** A bounded wait ran out. */
export class WaitTimeoutError extends Error {
  override readonly name = 'WaitTimeoutError';
  constructor(
    readonly what: string,
    readonly timeoutMs: number,
    options?: ErrorOptions
  ) {
    super(`${what} did not make room within ${timeoutMs} ms`, options);
  }
}

/** A pool name, key or pool request is not acceptable (docs/pools.md). */
export class InvalidPoolError extends Error {
  override readonly name = 'InvalidPoolError';
  constructor(
    readonly pool: string,
    readonly reason: string,
    options?: ErrorOptions
  ) {
    super(`pool ${JSON.stringify(pool.slice(0, 80))}: ${reason}`, options);
  }
}
