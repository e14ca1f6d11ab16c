// Original file: proto/broker/v1/admin.proto

import type { StoreOptions as _broker_v1_StoreOptions, StoreOptions__Output as _broker_v1_StoreOptions__Output } from '../../broker/v1/StoreOptions.js';

export interface CreateStoreRequest {
  'name'?: (string);
  'replication_factor'?: (number);
  'options'?: (_broker_v1_StoreOptions | null);
}

export interface CreateStoreRequest__Output {
  'name': (string);
  'replication_factor': (number);
  'options': (_broker_v1_StoreOptions__Output | null);
}
