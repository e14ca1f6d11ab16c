// Original file: proto/broker/v1/data.proto

export const DataPortProtocol = {
  DATA_PORT_PROTOCOL_UNKNOWN: 'DATA_PORT_PROTOCOL_UNKNOWN',
  DATA_PORT_PROTOCOL_TCP: 'DATA_PORT_PROTOCOL_TCP',
  DATA_PORT_PROTOCOL_UDP: 'DATA_PORT_PROTOCOL_UDP',
  DATA_PORT_PROTOCOL_ICMP: 'DATA_PORT_PROTOCOL_ICMP',
} as const;

export type DataPortProtocol =
  | 'DATA_PORT_PROTOCOL_UNKNOWN'
  | 0
  | 'DATA_PORT_PROTOCOL_TCP'
  | 1
  | 'DATA_PORT_PROTOCOL_UDP'
  | 2
  | 'DATA_PORT_PROTOCOL_ICMP'
  | 3

export type DataPortProtocol__Output = typeof DataPortProtocol[keyof typeof DataPortProtocol]
