// Original file: proto/broker/v1/peer.proto

import type { Long } from '@grpc/proto-loader';

export interface SnapshotProgress {
  'offset'?: (number | string | Long);
  'done'?: (boolean);
  'error'?: (string);
}

export interface SnapshotProgress__Output {
  'offset': (string);
  'done': (boolean);
  'error': (string);
}
