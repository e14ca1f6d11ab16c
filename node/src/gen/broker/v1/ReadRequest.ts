// Original file: proto/broker/v1/store.proto

import type { ReadOp as _broker_v1_ReadOp, ReadOp__Output as _broker_v1_ReadOp__Output } from '../../broker/v1/ReadOp.js';

export interface ReadRequest {
  'store'?: (string);
  'ops'?: (_broker_v1_ReadOp)[];
  'stale'?: (boolean);
  'hops'?: (number);
}

export interface ReadRequest__Output {
  'store': (string);
  'ops': (_broker_v1_ReadOp__Output)[];
  'stale': (boolean);
  'hops': (number);
}
