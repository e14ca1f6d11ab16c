// Original file: proto/broker/v1/admin.proto

import type { Long } from '@grpc/proto-loader';

export interface FollowerProgress {
  'id'?: (string);
  'match'?: (number | string | Long);
  'next'?: (number | string | Long);
  'state'?: (string);
  'learner'?: (boolean);
  'lag'?: (number | string | Long);
}

export interface FollowerProgress__Output {
  'id': (string);
  'match': (string);
  'next': (string);
  'state': (string);
  'learner': (boolean);
  'lag': (string);
}
