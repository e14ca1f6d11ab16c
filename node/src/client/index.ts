/**
 * The client library of BrokerCluster:
 *
 * ```ts
 * import { connect, data } from 'brokercluster/client';
 * const client = connect('127.0.0.1:7400');
 * const sub = client.subscribe('zeek/conn');
 * await sub.ready();
 * await client.publish('/zeek/conn', data.vector([data.count(1), data.string('hello')]));
 * for await (const m of sub) console.log(m.topic, m.data);
 * ```
 */
export { BrokerClient, connect, type SubscribeOptions } from './broker-client.js';
export { type ConnectOptions, NODE_DECIDES_LIMITS } from './connect-options.js';
export { Publisher, type PublisherOptions } from './publisher.js';
export {
  Subscription,
  type MessageCallback,
  type SubscriptionStatus,
  type ReconnectPolicy,
} from './subscription.js';
export {
  type Message,
  type RawMessage,
  type RawBatch,
  type RawRun,
  type RawRunBatch,
} from './message.js';
export { BrokerClientError } from './errors.js';
export { type PoolMembershipEvent, type PublishOptions } from './pool.js';
// Stores and admin (docs/cli.md, "Stores from TypeScript").
export {
  StoreClient,
  StoreBatch,
  DEFAULT_STORE_TIMEOUT_MS,
  type BatchResult,
  type CallOptions,
  type CasResult,
  type ReadOptions,
  type StoreClientOptions,
  type StoreInfo,
  type WriteInfo,
  type WriteOptions,
} from './store-client.js';
export type {
  AddOptions,
  ExpiryOption,
  OpResult,
  StoreEntry,
  StoreEvent,
  StoreEventType,
} from './store-ops.js';
export { StoreWatch, type WatchOptions } from './watch.js';
export {
  AdminClient,
  validateAddress,
  validateMemberId,
  type ClusterMap,
  type CreateStoreOptions,
  type DrainStatus,
  type FollowerProgress,
  type GroupStatus,
  type GroupStatusReport,
  type Member,
  type MemberState,
  type StorePlacement,
} from './admin-client.js';
export {
  AdminArgumentError,
  AdminError,
  StoreArgumentError,
  StoreError,
  StoreResponseError,
  WatchCompactedError,
  type Outcome,
  type StatusName,
} from './store-errors.js';
// Typed data helpers: builders, codecs, comparison. `BinaryDecoder` walks `runs()`;
// `brokercluster/data` has the whole data module.
export {
  data,
  NONE,
  encodeData,
  decodeData,
  compareData,
  dataEquals,
  BinaryDecoder,
  BinaryEncoder,
  fromJson,
  fromJsonText,
  toJson,
  toJsonText,
  DataDecodeError,
  DataEncodeError,
  DataJsonError,
  DataValueError,
  DEFAULT_DATA_LIMITS,
} from '../data/index.js';
export type { Data, DataKind, DataLimits, DataOf } from '../data/index.js';
