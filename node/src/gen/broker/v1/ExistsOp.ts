// Original file: proto/broker/v1/store.proto


export interface ExistsOp {
  'key'?: (Buffer | Uint8Array | string);
}

export interface ExistsOp__Output {
  'key': (Buffer);
}
