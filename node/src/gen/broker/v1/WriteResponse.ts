// Original file: proto/broker/v1/store.proto

import type { OpResult as _broker_v1_OpResult, OpResult__Output as _broker_v1_OpResult__Output } from '../../broker/v1/OpResult.js';
import type { Long } from '@grpc/proto-loader';

export interface WriteResponse {
  'index'?: (number | string | Long);
  'results'?: (_broker_v1_OpResult)[];
}

export interface WriteResponse__Output {
  'index': (string);
  'results': (_broker_v1_OpResult__Output)[];
}
