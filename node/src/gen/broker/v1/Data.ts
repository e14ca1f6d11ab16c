// Original file: proto/broker/v1/data.proto

import type { Data as _broker_v1_Data, Data__Output as _broker_v1_Data__Output } from '../../broker/v1/Data.js';
import type { Long } from '@grpc/proto-loader';

export interface _broker_v1_Data_List {
  'elements'?: (_broker_v1_Data)[];
}

export interface _broker_v1_Data_List__Output {
  'elements': (_broker_v1_Data__Output)[];
}

export interface _broker_v1_Data_None {
}

export interface _broker_v1_Data_None__Output {
}

export interface _broker_v1_Data_Port {
  'number'?: (number);
  'protocol'?: (_broker_v1_Data_PortProtocol);
}

export interface _broker_v1_Data_Port__Output {
  'number': (number);
  'protocol': (_broker_v1_Data_PortProtocol__Output);
}

// Original file: proto/broker/v1/data.proto

export const _broker_v1_Data_PortProtocol = {
  PORT_PROTOCOL_UNKNOWN: 'PORT_PROTOCOL_UNKNOWN',
  PORT_PROTOCOL_TCP: 'PORT_PROTOCOL_TCP',
  PORT_PROTOCOL_UDP: 'PORT_PROTOCOL_UDP',
  PORT_PROTOCOL_ICMP: 'PORT_PROTOCOL_ICMP',
} as const;

export type _broker_v1_Data_PortProtocol =
  | 'PORT_PROTOCOL_UNKNOWN'
  | 0
  | 'PORT_PROTOCOL_TCP'
  | 1
  | 'PORT_PROTOCOL_UDP'
  | 2
  | 'PORT_PROTOCOL_ICMP'
  | 3

export type _broker_v1_Data_PortProtocol__Output = typeof _broker_v1_Data_PortProtocol[keyof typeof _broker_v1_Data_PortProtocol]

export interface _broker_v1_Data_Subnet {
  'address'?: (Buffer | Uint8Array | string);
  'length'?: (number);
}

export interface _broker_v1_Data_Subnet__Output {
  'address': (Buffer);
  'length': (number);
}

export interface _broker_v1_Data_Table {
  'entries'?: (_broker_v1_Data_TableEntry)[];
}

export interface _broker_v1_Data_Table__Output {
  'entries': (_broker_v1_Data_TableEntry__Output)[];
}

export interface _broker_v1_Data_TableEntry {
  'key'?: (_broker_v1_Data | null);
  'value'?: (_broker_v1_Data | null);
}

export interface _broker_v1_Data_TableEntry__Output {
  'key': (_broker_v1_Data__Output | null);
  'value': (_broker_v1_Data__Output | null);
}

export interface Data {
  'none'?: (_broker_v1_Data_None | null);
  'boolean'?: (boolean);
  'count'?: (number | string | Long);
  'integer'?: (number | string | Long);
  'real'?: (number | string);
  'string'?: (string);
  'address'?: (Buffer | Uint8Array | string);
  'subnet'?: (_broker_v1_Data_Subnet | null);
  'port'?: (_broker_v1_Data_Port | null);
  'timestamp'?: (number | string | Long);
  'timespan'?: (number | string | Long);
  'enum_value'?: (string);
  'set'?: (_broker_v1_Data_List | null);
  'table'?: (_broker_v1_Data_Table | null);
  'vector'?: (_broker_v1_Data_List | null);
  'kind'?: "none"|"boolean"|"count"|"integer"|"real"|"string"|"address"|"subnet"|"port"|"timestamp"|"timespan"|"enum_value"|"set"|"table"|"vector";
}

export interface Data__Output {
  'none'?: (_broker_v1_Data_None__Output | null);
  'boolean'?: (boolean);
  'count'?: (string);
  'integer'?: (string);
  'real'?: (number);
  'string'?: (string);
  'address'?: (Buffer);
  'subnet'?: (_broker_v1_Data_Subnet__Output | null);
  'port'?: (_broker_v1_Data_Port__Output | null);
  'timestamp'?: (string);
  'timespan'?: (string);
  'enum_value'?: (string);
  'set'?: (_broker_v1_Data_List__Output | null);
  'table'?: (_broker_v1_Data_Table__Output | null);
  'vector'?: (_broker_v1_Data_List__Output | null);
  'kind'?: "none"|"boolean"|"count"|"integer"|"real"|"string"|"address"|"subnet"|"port"|"timestamp"|"timespan"|"enum_value"|"set"|"table"|"vector";
}
