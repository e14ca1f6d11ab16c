// Original file: proto/broker/v1/data.proto

import type { DataPortProtocol as _broker_v1_DataPortProtocol, DataPortProtocol__Output as _broker_v1_DataPortProtocol__Output } from '../../broker/v1/DataPortProtocol.js';

export interface DataPort {
  'number'?: (number);
  'protocol'?: (_broker_v1_DataPortProtocol);
}

export interface DataPort__Output {
  'number': (number);
  'protocol': (_broker_v1_DataPortProtocol__Output);
}
