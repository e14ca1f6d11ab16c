// Original file: proto/broker/v1/peer.proto

import type { Long } from '@grpc/proto-loader';

export interface Credit {
  'events'?: (number | string | Long);
}

export interface Credit__Output {
  'events': (string);
}
