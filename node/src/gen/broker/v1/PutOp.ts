// Original file: proto/broker/v1/store.proto

import type { Expiry as _broker_v1_Expiry, Expiry__Output as _broker_v1_Expiry__Output } from '../../broker/v1/Expiry.js';

export interface PutOp {
  'key'?: (Buffer | Uint8Array | string);
  'value'?: (Buffer | Uint8Array | string);
  'expiry'?: (_broker_v1_Expiry | null);
}

export interface PutOp__Output {
  'key': (Buffer);
  'value': (Buffer);
  'expiry': (_broker_v1_Expiry__Output | null);
}
