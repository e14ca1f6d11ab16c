// Original file: proto/broker/v1/store.proto

import type { Long } from '@grpc/proto-loader';

export interface Expiry {
  'after_ns'?: (number | string | Long);
}

export interface Expiry__Output {
  'after_ns': (string);
}
