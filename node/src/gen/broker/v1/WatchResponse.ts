// Original file: proto/broker/v1/store.proto

import type { StoreEvent as _broker_v1_StoreEvent, StoreEvent__Output as _broker_v1_StoreEvent__Output } from '../../broker/v1/StoreEvent.js';
import type { Long } from '@grpc/proto-loader';

export interface WatchResponse {
  'events'?: (_broker_v1_StoreEvent)[];
  'through_index'?: (number | string | Long);
  'created'?: (boolean);
}

export interface WatchResponse__Output {
  'events': (_broker_v1_StoreEvent__Output)[];
  'through_index': (string);
  'created': (boolean);
}
