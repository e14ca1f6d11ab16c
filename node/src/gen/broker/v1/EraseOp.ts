// Original file: proto/broker/v1/store.proto


export interface EraseOp {
  'key'?: (Buffer | Uint8Array | string);
}

export interface EraseOp__Output {
  'key': (Buffer);
}
