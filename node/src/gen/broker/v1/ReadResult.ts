// Original file: proto/broker/v1/store.proto

import type { Long } from '@grpc/proto-loader';

export interface ReadResult {
  'found'?: (boolean);
  'value'?: (Buffer | Uint8Array | string);
  'version'?: (number | string | Long);
  'expires_at_unix_ns'?: (number | string | Long);
}

export interface ReadResult__Output {
  'found': (boolean);
  'value': (Buffer);
  'version': (string);
  'expires_at_unix_ns': (string);
}
