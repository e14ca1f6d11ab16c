// Original file: proto/broker/v1/store.proto

import type { StoreOp as _broker_v1_StoreOp, StoreOp__Output as _broker_v1_StoreOp__Output } from '../../broker/v1/StoreOp.js';

export interface WriteRequest {
  'store'?: (string);
  'ops'?: (_broker_v1_StoreOp)[];
  'hops'?: (number);
}

export interface WriteRequest__Output {
  'store': (string);
  'ops': (_broker_v1_StoreOp__Output)[];
  'hops': (number);
}
