// Original file: proto/broker/v1/peer.proto

import type { Long } from '@grpc/proto-loader';

export interface PoolAck {
  'done'?: (number | string | Long)[];
  'returned'?: (number | string | Long)[];
}

export interface PoolAck__Output {
  'done': (string)[];
  'returned': (string)[];
}
