// Original file: proto/broker/v1/peer.proto

import type { EventRun as _broker_v1_EventRun, EventRun__Output as _broker_v1_EventRun__Output } from '../../broker/v1/EventRun.js';
import type { Long } from '@grpc/proto-loader';

export interface EnvelopeBatch {
  'runs'?: (_broker_v1_EventRun)[];
  'seq'?: (number | string | Long);
}

export interface EnvelopeBatch__Output {
  'runs': (_broker_v1_EventRun__Output)[];
  'seq': (string);
}
