// Original file: proto/broker/v1/store.proto

import type { Long } from '@grpc/proto-loader';

export interface OpResult {
  'inserted'?: (boolean);
  'swapped'?: (boolean);
  'version'?: (number | string | Long);
  'existed'?: (boolean);
}

export interface OpResult__Output {
  'inserted': (boolean);
  'swapped': (boolean);
  'version': (string);
  'existed': (boolean);
}
