// Original file: proto/broker/v1/admin.proto

import type { Member as _broker_v1_Member, Member__Output as _broker_v1_Member__Output } from '../../broker/v1/Member.js';
import type { StoreMap as _broker_v1_StoreMap, StoreMap__Output as _broker_v1_StoreMap__Output } from '../../broker/v1/StoreMap.js';
import type { Long } from '@grpc/proto-loader';

export interface ClusterMapResponse {
  'cluster_id'?: (string);
  'index'?: (number | string | Long);
  'members'?: (_broker_v1_Member)[];
  'stores'?: (_broker_v1_StoreMap)[];
  'meta_leader'?: (string);
}

export interface ClusterMapResponse__Output {
  'cluster_id': (string);
  'index': (string);
  'members': (_broker_v1_Member__Output)[];
  'stores': (_broker_v1_StoreMap__Output)[];
  'meta_leader': (string);
}
