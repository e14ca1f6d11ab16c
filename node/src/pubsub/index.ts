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
  InvalidPoolError,
} from './errors.js';
export {
  PoolRouter,
  type PoolPeerLink,
  type PoolObserver,
  type PoolRouterOptions,
  type MembershipEvent,
} from './pool-router.js';
export {
  PoolTable,
  type PoolMemberInfo,
  type MembershipChange,
  type AnnouncedMember,
  validatePoolName,
  MAX_POOL_NAME_LENGTH,
  MAX_POOL_KEY_BYTES,
} from './pool-table.js';
export { pickHrw, hrwMember, murmur3, type HrwMember } from './pool-hrw.js';
