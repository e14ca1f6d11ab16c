// Original file: proto/broker/v1/store.proto

import type { Long } from '@grpc/proto-loader';

export interface StoreInfo {
  'name'?: (string);
  'replication_factor'?: (number);
  'replicas'?: (string)[];
  'leader'?: (string);
  'keys'?: (number | string | Long);
  'bytes'?: (number | string | Long);
}

export interface StoreInfo__Output {
  'name': (string);
  'replication_factor': (number);
  'replicas': (string)[];
  'leader': (string);
  'keys': (string);
  'bytes': (string);
}
