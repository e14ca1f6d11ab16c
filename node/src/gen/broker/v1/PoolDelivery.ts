// Original file: proto/broker/v1/peer.proto

import type { EventRun as _broker_v1_EventRun, EventRun__Output as _broker_v1_EventRun__Output } from '../../broker/v1/EventRun.js';
import type { Long } from '@grpc/proto-loader';

export interface PoolDelivery {
  'id'?: (number | string | Long);
  'pool'?: (string);
  'member'?: (string);
  'key'?: (Buffer | Uint8Array | string);
  'runs'?: (_broker_v1_EventRun)[];
}

export interface PoolDelivery__Output {
  'id': (string);
  'pool': (string);
  'member': (string);
  'key': (Buffer);
  'runs': (_broker_v1_EventRun__Output)[];
}
