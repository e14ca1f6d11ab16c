// Original file: proto/broker/v1/client.proto

import type { EventRun as _broker_v1_EventRun, EventRun__Output as _broker_v1_EventRun__Output } from '../../broker/v1/EventRun.js';

export interface PublishRequest {
  'runs'?: (_broker_v1_EventRun)[];
  'pool'?: (string);
  'key'?: (Buffer | Uint8Array | string);
}

export interface PublishRequest__Output {
  'runs': (_broker_v1_EventRun__Output)[];
  'pool': (string);
  'key': (Buffer);
}
