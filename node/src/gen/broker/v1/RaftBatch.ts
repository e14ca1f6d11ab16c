// Original file: proto/broker/v1/raft.proto

import type { RaftMessage as _broker_v1_RaftMessage, RaftMessage__Output as _broker_v1_RaftMessage__Output } from '../../broker/v1/RaftMessage.js';

export interface RaftBatch {
  'messages'?: (_broker_v1_RaftMessage)[];
}

export interface RaftBatch__Output {
  'messages': (_broker_v1_RaftMessage__Output)[];
}
