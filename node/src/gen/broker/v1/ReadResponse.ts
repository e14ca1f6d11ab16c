// Original file: proto/broker/v1/store.proto

import type { ReadResult as _broker_v1_ReadResult, ReadResult__Output as _broker_v1_ReadResult__Output } from '../../broker/v1/ReadResult.js';
import type { Long } from '@grpc/proto-loader';

export interface ReadResponse {
  'index'?: (number | string | Long);
  'results'?: (_broker_v1_ReadResult)[];
}

export interface ReadResponse__Output {
  'index': (string);
  'results': (_broker_v1_ReadResult__Output)[];
}
