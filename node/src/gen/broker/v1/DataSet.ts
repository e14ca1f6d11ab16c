// Original file: proto/broker/v1/data.proto

import type { Data as _broker_v1_Data, Data__Output as _broker_v1_Data__Output } from '../../broker/v1/Data.js';

export interface DataSet {
  'elements'?: (_broker_v1_Data)[];
}

export interface DataSet__Output {
  'elements': (_broker_v1_Data__Output)[];
}
