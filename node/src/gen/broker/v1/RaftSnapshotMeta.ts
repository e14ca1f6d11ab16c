// Original file: proto/broker/v1/raft.proto

import type { RaftConfState as _broker_v1_RaftConfState, RaftConfState__Output as _broker_v1_RaftConfState__Output } from '../../broker/v1/RaftConfState.js';
import type { Long } from '@grpc/proto-loader';

export interface RaftSnapshotMeta {
  'index'?: (number | string | Long);
  'term'?: (number | string | Long);
  'conf_state'?: (_broker_v1_RaftConfState | null);
}

export interface RaftSnapshotMeta__Output {
  'index': (string);
  'term': (string);
  'conf_state': (_broker_v1_RaftConfState__Output | null);
}
