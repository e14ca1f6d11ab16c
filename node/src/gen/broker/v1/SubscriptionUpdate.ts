// Original file: proto/broker/v1/peer.proto

import type { Long } from '@grpc/proto-loader';

export interface SubscriptionUpdate {
  'topics'?: (string)[];
  'version'?: (number | string | Long);
}

export interface SubscriptionUpdate__Output {
  'topics': (string)[];
  'version': (string);
}
