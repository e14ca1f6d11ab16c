// Original file: proto/broker/v1/raft.proto

import type { RaftEntryType as _broker_v1_RaftEntryType, RaftEntryType__Output as _broker_v1_RaftEntryType__Output } from '../../broker/v1/RaftEntryType.js';
import type { Long } from '@grpc/proto-loader';

export interface RaftEntry {
  'term'?: (number | string | Long);
  'index'?: (number | string | Long);
  'type'?: (_broker_v1_RaftEntryType);
  'data'?: (Buffer | Uint8Array | string);
}

export interface RaftEntry__Output {
  'term': (string);
  'index': (string);
  'type': (_broker_v1_RaftEntryType__Output);
  'data': (Buffer);
}
