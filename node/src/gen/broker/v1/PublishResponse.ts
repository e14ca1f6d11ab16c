// Original file: proto/broker/v1/client.proto

import type { Long } from '@grpc/proto-loader';

export interface PublishResponse {
  'accepted'?: (number | string | Long);
}

export interface PublishResponse__Output {
  'accepted': (string);
}
