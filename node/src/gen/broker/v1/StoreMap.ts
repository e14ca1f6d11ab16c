// Original file: proto/broker/v1/admin.proto

import type { StoreOptions as _broker_v1_StoreOptions, StoreOptions__Output as _broker_v1_StoreOptions__Output } from '../../broker/v1/StoreOptions.js';

export interface StoreMap {
  'name'?: (string);
  'replication_factor'?: (number);
  'options'?: (_broker_v1_StoreOptions | null);
  'replicas'?: (string)[];
  'learners'?: (string)[];
  'group'?: (string);
}

export interface StoreMap__Output {
  'name': (string);
  'replication_factor': (number);
  'options': (_broker_v1_StoreOptions__Output | null);
  'replicas': (string)[];
  'learners': (string)[];
  'group': (string);
}
