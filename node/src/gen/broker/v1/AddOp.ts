// Original file: proto/broker/v1/store.proto

import type { Expiry as _broker_v1_Expiry, Expiry__Output as _broker_v1_Expiry__Output } from '../../broker/v1/Expiry.js';

export interface AddOp {
  'key'?: (Buffer | Uint8Array | string);
  'value'?: (Buffer | Uint8Array | string);
  'init_type'?: (string);
  'expiry'?: (_broker_v1_Expiry | null);
}

export interface AddOp__Output {
  'key': (Buffer);
  'value': (Buffer);
  'init_type': (string);
  'expiry': (_broker_v1_Expiry__Output | null);
}
