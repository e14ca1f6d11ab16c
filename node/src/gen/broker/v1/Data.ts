// Original file: proto/broker/v1/data.proto

import type { DataNone as _broker_v1_DataNone, DataNone__Output as _broker_v1_DataNone__Output } from '../../broker/v1/DataNone.js';
import type { DataSubnet as _broker_v1_DataSubnet, DataSubnet__Output as _broker_v1_DataSubnet__Output } from '../../broker/v1/DataSubnet.js';
import type { DataPort as _broker_v1_DataPort, DataPort__Output as _broker_v1_DataPort__Output } from '../../broker/v1/DataPort.js';
import type { DataSet as _broker_v1_DataSet, DataSet__Output as _broker_v1_DataSet__Output } from '../../broker/v1/DataSet.js';
import type { DataTable as _broker_v1_DataTable, DataTable__Output as _broker_v1_DataTable__Output } from '../../broker/v1/DataTable.js';
import type { DataVector as _broker_v1_DataVector, DataVector__Output as _broker_v1_DataVector__Output } from '../../broker/v1/DataVector.js';
import type { Long } from '@grpc/proto-loader';

export interface Data {
  'none'?: (_broker_v1_DataNone | null);
  'boolean'?: (boolean);
  'count'?: (number | string | Long);
  'integer'?: (number | string | Long);
  'real'?: (number | string);
  'string'?: (string);
  'address'?: (Buffer | Uint8Array | string);
  'subnet'?: (_broker_v1_DataSubnet | null);
  'port'?: (_broker_v1_DataPort | null);
  'timestamp'?: (number | string | Long);
  'timespan'?: (number | string | Long);
  'enum_value'?: (string);
  'set'?: (_broker_v1_DataSet | null);
  'table'?: (_broker_v1_DataTable | null);
  'vector'?: (_broker_v1_DataVector | null);
  'kind'?: "none"|"boolean"|"count"|"integer"|"real"|"string"|"address"|"subnet"|"port"|"timestamp"|"timespan"|"enum_value"|"set"|"table"|"vector";
}

export interface Data__Output {
  'none'?: (_broker_v1_DataNone__Output | null);
  'boolean'?: (boolean);
  'count'?: (string);
  'integer'?: (string);
  'real'?: (number);
  'string'?: (string);
  'address'?: (Buffer);
  'subnet'?: (_broker_v1_DataSubnet__Output | null);
  'port'?: (_broker_v1_DataPort__Output | null);
  'timestamp'?: (string);
  'timespan'?: (string);
  'enum_value'?: (string);
  'set'?: (_broker_v1_DataSet__Output | null);
  'table'?: (_broker_v1_DataTable__Output | null);
  'vector'?: (_broker_v1_DataVector__Output | null);
  'kind'?: "none"|"boolean"|"count"|"integer"|"real"|"string"|"address"|"subnet"|"port"|"timestamp"|"timespan"|"enum_value"|"set"|"table"|"vector";
}
