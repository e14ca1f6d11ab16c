// Original file: proto/broker/v1/client.proto

import type { Long } from '@grpc/proto-loader';

export interface PeerStatus {
  'id'?: (string);
  'address'?: (string);
  'state'?: (string);
  'topics'?: (string)[];
  'queued_events'?: (number | string | Long);
  'credits'?: (number | string | Long);
  'connection_attempts'?: (number);
  'last_error'?: (string);
}

export interface PeerStatus__Output {
  'id': (string);
  'address': (string);
  'state': (string);
  'topics': (string)[];
  'queued_events': (string);
  'credits': (string);
  'connection_attempts': (number);
  'last_error': (string);
}
