// Original file: proto/broker/v1/admin.proto

import type { Long } from '@grpc/proto-loader';

export interface MemberPlacement {
  'id'?: (string);
  'load'?: (number | string);
  'leaders'?: (number);
  'replicas'?: (number);
  'hot_load'?: (number);
  'hot_leaders'?: (number);
  'hot_replicas'?: (number);
  'unavailable_ms'?: (number | string | Long);
  'down'?: (boolean);
  'cpu_cores'?: (number | string);
  'events_routed_per_sec'?: (number | string);
  'disk_used_bytes'?: (number | string | Long);
}

export interface MemberPlacement__Output {
  'id': (string);
  'load': (number);
  'leaders': (number);
  'replicas': (number);
  'hot_load': (number);
  'hot_leaders': (number);
  'hot_replicas': (number);
  'unavailable_ms': (string);
  'down': (boolean);
  'cpu_cores': (number);
  'events_routed_per_sec': (number);
  'disk_used_bytes': (string);
}
