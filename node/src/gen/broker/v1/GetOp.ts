// Original file: proto/broker/v1/store.proto


export interface GetOp {
  'key'?: (Buffer | Uint8Array | string);
}

export interface GetOp__Output {
  'key': (Buffer);
}
