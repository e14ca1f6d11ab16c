/** The pub/sub core: topics, filters, bounded queues, subscribers and the router. */
export {
  validateTopic,
  canonicalTopic,
  canonicalPrefix,
  ALL_TOPICS,
  topicMatches,
  segmentPrefixes,
  DEFAULT_MAX_TOPIC_LENGTH,
} from './topic.js';
export { TopicFilter } from './topic-filter.js';
export { type EventRun, splitRun, nowMs, nsToMs, msToNs } from './event-run.js';
export { RunQueue } from './run-queue.js';
export { Subscriber, type SubscriberOptions } from './subscriber.js';
export { Router, type PeerSink } from './router.js';
export { type OverflowPolicy, OVERFLOW_POLICIES, isOverflowPolicy } from './overflow-policy.js';
export { type PubSubObserver, type DropReason, DROP_REASONS, NULL_OBSERVER } from './observer.js';
export { withTimeout } from './deadline.js';
export { PayloadValidator } from './payload-validator.js';
export {
  InvalidTopicError,
  LimitExceededError,
  InvalidPayloadError,
  QueueClosedError,
  WaitTimeoutError,
} from './errors.js';
