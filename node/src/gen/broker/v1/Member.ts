// Original file: proto/broker/v1/admin.proto

import type { MemberState as _broker_v1_MemberState, MemberState__Output as _broker_v1_MemberState__Output } from '../../broker/v1/MemberState.js';

export interface Member {
  'id'?: (string);
  'address'?: (string);
  'state'?: (_broker_v1_MemberState);
  'generation'?: (number);
  'meta_voter'?: (boolean);
}

export interface Member__Output {
  'id': (string);
  'address': (string);
  'state': (_broker_v1_MemberState__Output);
  'generation': (number);
  'meta_voter': (boolean);
}
