// Original file: proto/broker/v1/client.proto

import type { OverflowPolicy as _broker_v1_OverflowPolicy, OverflowPolicy__Output as _broker_v1_OverflowPolicy__Output } from '../../broker/v1/OverflowPolicy.js';
import type { Long } from '@grpc/proto-loader';

export interface SubscribeRequest {
  'topics'?: (string)[];
  'overflow_policy'?: (_broker_v1_OverflowPolicy);
  'queue_capacity'?: (number);
  'pool'?: (string);
  'pool_ack'?: (number | string | Long);
}

export interface SubscribeRequest__Output {
  'topics': (string)[];
  'overflow_policy': (_broker_v1_OverflowPolicy__Output);
  'queue_capacity': (number);
  'pool': (string);
  'pool_ack': (string);
}
