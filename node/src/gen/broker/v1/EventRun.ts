// Original file: proto/broker/v1/client.proto

import type { Long } from '@grpc/proto-loader';

export interface EventRun {
  'topic'?: (string);
  'data'?: (Buffer | Uint8Array | string);
  'sizes'?: (number)[];
  'publish_time_unix_ns'?: (number | string | Long);
}

export interface EventRun__Output {
  'topic': (string);
  'data': (Buffer);
  'sizes': (number)[];
  'publish_time_unix_ns': (string);
}
