// Original file: proto/broker/v1/admin.proto

import type { MemberState as _broker_v1_MemberState, MemberState__Output as _broker_v1_MemberState__Output } from '../../broker/v1/MemberState.js';

export interface DrainStatus {
  'id'?: (string);
  'state'?: (_broker_v1_MemberState);
  'replicas_left'?: (number);
  'leaders_left'?: (number);
  'done'?: (boolean);
}

export interface DrainStatus__Output {
  'id': (string);
  'state': (_broker_v1_MemberState__Output);
  'replicas_left': (number);
  'leaders_left': (number);
  'done': (boolean);
}
