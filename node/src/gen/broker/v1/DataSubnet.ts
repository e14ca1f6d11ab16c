// Original file: proto/broker/v1/data.proto


export interface DataSubnet {
  'address'?: (Buffer | Uint8Array | string);
  'length'?: (number);
}

export interface DataSubnet__Output {
  'address': (Buffer);
  'length': (number);
}
