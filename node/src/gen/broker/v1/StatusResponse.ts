// Original file: proto/broker/v1/client.proto

import type { PeerStatus as _broker_v1_PeerStatus, PeerStatus__Output as _broker_v1_PeerStatus__Output } from '../../broker/v1/PeerStatus.js';
import type { TopicCount as _broker_v1_TopicCount, TopicCount__Output as _broker_v1_TopicCount__Output } from '../../broker/v1/TopicCount.js';
import type { Long } from '@grpc/proto-loader';

export interface StatusResponse {
  'id'?: (string);
  'version'?: (string);
  'security'?: (string);
  'listen'?: (string);
  'peers'?: (_broker_v1_PeerStatus)[];
  'subscriptions'?: (_broker_v1_TopicCount)[];
  'subscribers'?: (number);
  'uptime_ms'?: (number | string | Long);
  'draining'?: (boolean);
}

export interface StatusResponse__Output {
  'id': (string);
  'version': (string);
  'security': (string);
  'listen': (string);
  'peers': (_broker_v1_PeerStatus__Output)[];
  'subscriptions': (_broker_v1_TopicCount__Output)[];
  'subscribers': (number);
  'uptime_ms': (string);
  'draining': (boolean);
}
