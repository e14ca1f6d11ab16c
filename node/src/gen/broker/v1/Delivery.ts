// Original file: proto/broker/v1/client.proto

import type { EventRun as _broker_v1_EventRun, EventRun__Output as _broker_v1_EventRun__Output } from '../../broker/v1/EventRun.js';
import type { PoolMembership as _broker_v1_PoolMembership, PoolMembership__Output as _broker_v1_PoolMembership__Output } from '../../broker/v1/PoolMembership.js';
import type { Long } from '@grpc/proto-loader';

export interface Delivery {
  'runs'?: (_broker_v1_EventRun)[];
  'dropped_total'?: (number | string | Long);
  'dropped_since_last'?: (number | string | Long);
  'ack'?: (boolean);
  'topics'?: (string)[];
  'pool_membership'?: (_broker_v1_PoolMembership | null);
}

export interface Delivery__Output {
  'runs': (_broker_v1_EventRun__Output)[];
  'dropped_total': (string);
  'dropped_since_last': (string);
  'ack': (boolean);
  'topics': (string)[];
  'pool_membership': (_broker_v1_PoolMembership__Output | null);
}
