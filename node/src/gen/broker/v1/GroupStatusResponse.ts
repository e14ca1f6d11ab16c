// Original file: proto/broker/v1/admin.proto

import type { GroupStatus as _broker_v1_GroupStatus, GroupStatus__Output as _broker_v1_GroupStatus__Output } from '../../broker/v1/GroupStatus.js';

export interface GroupStatusResponse {
  'member'?: (string);
  'groups'?: (_broker_v1_GroupStatus)[];
}

export interface GroupStatusResponse__Output {
  'member': (string);
  'groups': (_broker_v1_GroupStatus__Output)[];
}
