// Original file: proto/broker/v1/store.proto

import type { Long } from '@grpc/proto-loader';

export interface WatchRequest {
  'store'?: (string);
  'from_index'?: (number | string | Long);
}

export interface WatchRequest__Output {
  'store': (string);
  'from_index': (string);
}
