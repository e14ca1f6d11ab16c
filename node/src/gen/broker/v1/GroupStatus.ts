// Original file: proto/broker/v1/admin.proto

import type { FollowerProgress as _broker_v1_FollowerProgress, FollowerProgress__Output as _broker_v1_FollowerProgress__Output } from '../../broker/v1/FollowerProgress.js';
import type { Long } from '@grpc/proto-loader';

export interface GroupStatus {
  'group'?: (string);
  'store'?: (string);
  'role'?: (string);
  'term'?: (number | string | Long);
  'leader'?: (string);
  'commit_index'?: (number | string | Long);
  'applied_index'?: (number | string | Long);
  'last_index'?: (number | string | Long);
  'snapshot_index'?: (number | string | Long);
  'followers'?: (_broker_v1_FollowerProgress)[];
  'broken'?: (boolean);
  'broken_reason'?: (string);
  'restore_bytes'?: (number | string | Long);
  'restore_total'?: (number | string | Long);
  'voters'?: (string)[];
  'learners'?: (string)[];
}

export interface GroupStatus__Output {
  'group': (string);
  'store': (string);
  'role': (string);
  'term': (string);
  'leader': (string);
  'commit_index': (string);
  'applied_index': (string);
  'last_index': (string);
  'snapshot_index': (string);
  'followers': (_broker_v1_FollowerProgress__Output)[];
  'broken': (boolean);
  'broken_reason': (string);
  'restore_bytes': (string);
  'restore_total': (string);
  'voters': (string)[];
  'learners': (string)[];
}
