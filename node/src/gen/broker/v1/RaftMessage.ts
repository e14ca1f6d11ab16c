// Original file: proto/broker/v1/raft.proto

import type { RaftMessageType as _broker_v1_RaftMessageType, RaftMessageType__Output as _broker_v1_RaftMessageType__Output } from '../../broker/v1/RaftMessageType.js';
import type { RaftEntry as _broker_v1_RaftEntry, RaftEntry__Output as _broker_v1_RaftEntry__Output } from '../../broker/v1/RaftEntry.js';
import type { RaftSnapshotChunk as _broker_v1_RaftSnapshotChunk, RaftSnapshotChunk__Output as _broker_v1_RaftSnapshotChunk__Output } from '../../broker/v1/RaftSnapshotChunk.js';
import type { Long } from '@grpc/proto-loader';

export interface RaftMessage {
  'group'?: (string);
  'type'?: (_broker_v1_RaftMessageType);
  'from'?: (string);
  'to'?: (string);
  'term'?: (number | string | Long);
  'log_term'?: (number | string | Long);
  'index'?: (number | string | Long);
  'entries'?: (_broker_v1_RaftEntry)[];
  'commit'?: (number | string | Long);
  'reject'?: (boolean);
  'reject_hint'?: (number | string | Long);
  'snapshot'?: (_broker_v1_RaftSnapshotChunk | null);
  'context'?: (Buffer | Uint8Array | string);
}

export interface RaftMessage__Output {
  'group': (string);
  'type': (_broker_v1_RaftMessageType__Output);
  'from': (string);
  'to': (string);
  'term': (string);
  'log_term': (string);
  'index': (string);
  'entries': (_broker_v1_RaftEntry__Output)[];
  'commit': (string);
  'reject': (boolean);
  'reject_hint': (string);
  'snapshot': (_broker_v1_RaftSnapshotChunk__Output | null);
  'context': (Buffer);
}
