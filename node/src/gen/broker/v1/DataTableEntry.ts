// Original file: proto/broker/v1/data.proto

import type { Data as _broker_v1_Data, Data__Output as _broker_v1_Data__Output } from '../../broker/v1/Data.js';

export interface DataTableEntry {
  'key'?: (_broker_v1_Data | null);
  'value'?: (_broker_v1_Data | null);
}

export interface DataTableEntry__Output {
  'key': (_broker_v1_Data__Output | null);
  'value': (_broker_v1_Data__Output | null);
}
