// Original file: proto/broker/v1/peer.proto

import type { Hello as _broker_v1_Hello, Hello__Output as _broker_v1_Hello__Output } from '../../broker/v1/Hello.js';
import type { EnvelopeBatch as _broker_v1_EnvelopeBatch, EnvelopeBatch__Output as _broker_v1_EnvelopeBatch__Output } from '../../broker/v1/EnvelopeBatch.js';
import type { SubscriptionUpdate as _broker_v1_SubscriptionUpdate, SubscriptionUpdate__Output as _broker_v1_SubscriptionUpdate__Output } from '../../broker/v1/SubscriptionUpdate.js';
import type { Credit as _broker_v1_Credit, Credit__Output as _broker_v1_Credit__Output } from '../../broker/v1/Credit.js';
import type { Goodbye as _broker_v1_Goodbye, Goodbye__Output as _broker_v1_Goodbye__Output } from '../../broker/v1/Goodbye.js';
import type { PeerChallenge as _broker_v1_PeerChallenge, PeerChallenge__Output as _broker_v1_PeerChallenge__Output } from '../../broker/v1/PeerChallenge.js';
import type { PoolAnnouncement as _broker_v1_PoolAnnouncement, PoolAnnouncement__Output as _broker_v1_PoolAnnouncement__Output } from '../../broker/v1/PoolAnnouncement.js';
import type { PoolDelivery as _broker_v1_PoolDelivery, PoolDelivery__Output as _broker_v1_PoolDelivery__Output } from '../../broker/v1/PoolDelivery.js';
import type { PoolAck as _broker_v1_PoolAck, PoolAck__Output as _broker_v1_PoolAck__Output } from '../../broker/v1/PoolAck.js';
import type { RaftBatch as _broker_v1_RaftBatch, RaftBatch__Output as _broker_v1_RaftBatch__Output } from '../../broker/v1/RaftBatch.js';

export interface PeerFrame {
  'hello'?: (_broker_v1_Hello | null);
  'envelopes'?: (_broker_v1_EnvelopeBatch | null);
  'subscriptions'?: (_broker_v1_SubscriptionUpdate | null);
  'credit'?: (_broker_v1_Credit | null);
  'goodbye'?: (_broker_v1_Goodbye | null);
  'challenge'?: (_broker_v1_PeerChallenge | null);
  'pools'?: (_broker_v1_PoolAnnouncement | null);
  'pool_delivery'?: (_broker_v1_PoolDelivery | null);
  'pool_ack'?: (_broker_v1_PoolAck | null);
  'raft'?: (_broker_v1_RaftBatch | null);
  'body'?: "hello"|"envelopes"|"subscriptions"|"credit"|"goodbye"|"challenge"|"pools"|"pool_delivery"|"pool_ack"|"raft";
}

export interface PeerFrame__Output {
  'hello'?: (_broker_v1_Hello__Output | null);
  'envelopes'?: (_broker_v1_EnvelopeBatch__Output | null);
  'subscriptions'?: (_broker_v1_SubscriptionUpdate__Output | null);
  'credit'?: (_broker_v1_Credit__Output | null);
  'goodbye'?: (_broker_v1_Goodbye__Output | null);
  'challenge'?: (_broker_v1_PeerChallenge__Output | null);
  'pools'?: (_broker_v1_PoolAnnouncement__Output | null);
  'pool_delivery'?: (_broker_v1_PoolDelivery__Output | null);
  'pool_ack'?: (_broker_v1_PoolAck__Output | null);
  'raft'?: (_broker_v1_RaftBatch__Output | null);
  'body'?: "hello"|"envelopes"|"subscriptions"|"credit"|"goodbye"|"challenge"|"pools"|"pool_delivery"|"pool_ack"|"raft";
}
