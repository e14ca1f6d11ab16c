// Original file: proto/broker/v1/peer.proto

import type { RaftSnapshotMeta as _broker_v1_RaftSnapshotMeta, RaftSnapshotMeta__Output as _broker_v1_RaftSnapshotMeta__Output } from '../../broker/v1/RaftSnapshotMeta.js';
import type { Long } from '@grpc/proto-loader';

export interface SnapshotHeader {
  'group'?: (string);
  'from'?: (string);
  'to'?: (string);
  'term'?: (number | string | Long);
  'meta'?: (_broker_v1_RaftSnapshotMeta | null);
  'total_size'?: (number | string | Long);
}

export interface SnapshotHeader__Output {
  'group': (string);
  'from': (string);
  'to': (string);
  'term': (string);
  'meta': (_broker_v1_RaftSnapshotMeta__Output | null);
  'total_size': (string);
}
