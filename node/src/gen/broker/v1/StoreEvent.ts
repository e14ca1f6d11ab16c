// Original file: proto/broker/v1/store.proto

import type { StoreEventType as _broker_v1_StoreEventType, StoreEventType__Output as _broker_v1_StoreEventType__Output } from '../../broker/v1/StoreEventType.js';
import type { Long } from '@grpc/proto-loader';

export interface StoreEvent {
  'type'?: (_broker_v1_StoreEventType);
  'key'?: (Buffer | Uint8Array | string);
  'value'?: (Buffer | Uint8Array | string);
  'old_value'?: (Buffer | Uint8Array | string);
  'expiry_ns'?: (number | string | Long);
  'index'?: (number | string | Long);
  'publisher'?: (string);
}

export interface StoreEvent__Output {
  'type': (_broker_v1_StoreEventType__Output);
  'key': (Buffer);
  'value': (Buffer);
  'old_value': (Buffer);
  'expiry_ns': (string);
  'index': (string);
  'publisher': (string);
}
