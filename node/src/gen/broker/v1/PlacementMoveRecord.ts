// Original file: proto/broker/v1/admin.proto

import type { Long } from '@grpc/proto-loader';

export interface PlacementMoveRecord {
  'kind'?: (string);
  'store'?: (string);
  'from'?: (string);
  'to'?: (string);
  'reason'?: (string);
  'started_unix_ms'?: (number | string | Long);
}

export interface PlacementMoveRecord__Output {
  'kind': (string);
  'store': (string);
  'from': (string);
  'to': (string);
  'reason': (string);
  'started_unix_ms': (string);
}
