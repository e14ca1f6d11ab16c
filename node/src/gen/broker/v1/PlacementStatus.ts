// Original file: proto/broker/v1/admin.proto

import type { MemberPlacement as _broker_v1_MemberPlacement, MemberPlacement__Output as _broker_v1_MemberPlacement__Output } from '../../broker/v1/MemberPlacement.js';
import type { PlacementMoveRecord as _broker_v1_PlacementMoveRecord, PlacementMoveRecord__Output as _broker_v1_PlacementMoveRecord__Output } from '../../broker/v1/PlacementMoveRecord.js';
import type { GroupLoadReport as _broker_v1_GroupLoadReport, GroupLoadReport__Output as _broker_v1_GroupLoadReport__Output } from '../../broker/v1/GroupLoadReport.js';
import type { Long } from '@grpc/proto-loader';

export interface PlacementStatus {
  'driver'?: (string);
  'enabled'?: (boolean);
  'measurements'?: (number | string | Long);
  'moves_started'?: (number | string | Long);
  'moves_in_flight'?: (number);
  'members'?: (_broker_v1_MemberPlacement)[];
  'recent_moves'?: (_broker_v1_PlacementMoveRecord)[];
  'groups'?: (_broker_v1_GroupLoadReport)[];
}

export interface PlacementStatus__Output {
  'driver': (string);
  'enabled': (boolean);
  'measurements': (string);
  'moves_started': (string);
  'moves_in_flight': (number);
  'members': (_broker_v1_MemberPlacement__Output)[];
  'recent_moves': (_broker_v1_PlacementMoveRecord__Output)[];
  'groups': (_broker_v1_GroupLoadReport__Output)[];
}
