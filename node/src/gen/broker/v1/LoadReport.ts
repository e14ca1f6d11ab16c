// Original file: proto/broker/v1/admin.proto

import type { GroupLoadReport as _broker_v1_GroupLoadReport, GroupLoadReport__Output as _broker_v1_GroupLoadReport__Output } from '../../broker/v1/GroupLoadReport.js';
import type { Long } from '@grpc/proto-loader';

export interface LoadReport {
  'member'?: (string);
  'generation'?: (number);
  'cpu_cores'?: (number | string);
  'events_routed_per_sec'?: (number | string);
  'disk_used_bytes'?: (number | string | Long);
  'groups'?: (_broker_v1_GroupLoadReport)[];
}

export interface LoadReport__Output {
  'member': (string);
  'generation': (number);
  'cpu_cores': (number);
  'events_routed_per_sec': (number);
  'disk_used_bytes': (string);
  'groups': (_broker_v1_GroupLoadReport__Output)[];
}
