// Original file: proto/broker/v1/raft.proto

import type { RaftSnapshotMeta as _broker_v1_RaftSnapshotMeta, RaftSnapshotMeta__Output as _broker_v1_RaftSnapshotMeta__Output } from '../../broker/v1/RaftSnapshotMeta.js';
import type { Long } from '@grpc/proto-loader';

export interface RaftSnapshotChunk {
  'meta'?: (_broker_v1_RaftSnapshotMeta | null);
  'offset'?: (number | string | Long);
  'total_size'?: (number | string | Long);
  'data'?: (Buffer | Uint8Array | string);
  'last'?: (boolean);
  'crc32c'?: (number);
}

export interface RaftSnapshotChunk__Output {
  'meta': (_broker_v1_RaftSnapshotMeta__Output | null);
  'offset': (string);
  'total_size': (string);
  'data': (Buffer);
  'last': (boolean);
  'crc32c': (number);
}
