// Original file: proto/broker/v1/store.proto

import type { Expiry as _broker_v1_Expiry, Expiry__Output as _broker_v1_Expiry__Output } from '../../broker/v1/Expiry.js';
import type { Long } from '@grpc/proto-loader';

export interface CompareAndSetOp {
  'key'?: (Buffer | Uint8Array | string);
  'expected_version'?: (number | string | Long);
  'value'?: (Buffer | Uint8Array | string);
  'expiry'?: (_broker_v1_Expiry | null);
  'erase'?: (boolean);
}

export interface CompareAndSetOp__Output {
  'key': (Buffer);
  'expected_version': (string);
  'value': (Buffer);
  'expiry': (_broker_v1_Expiry__Output | null);
  'erase': (boolean);
}
