// Original file: proto/broker/v1/admin.proto

import type { Long } from '@grpc/proto-loader';

export interface StoreOptions {
  'max_keys'?: (number | string | Long);
  'max_bytes'?: (number | string | Long);
}

export interface StoreOptions__Output {
  'max_keys': (string);
  'max_bytes': (string);
}
