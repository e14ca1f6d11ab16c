// Original file: proto/broker/v1/peer.proto

import type { PoolMember as _broker_v1_PoolMember, PoolMember__Output as _broker_v1_PoolMember__Output } from '../../broker/v1/PoolMember.js';
import type { Long } from '@grpc/proto-loader';

export interface PoolAnnouncement {
  'members'?: (_broker_v1_PoolMember)[];
  'version'?: (number | string | Long);
}

export interface PoolAnnouncement__Output {
  'members': (_broker_v1_PoolMember__Output)[];
  'version': (string);
}
