// Original file: proto/broker/v1/store.proto


export interface GetIndexOp {
  'key'?: (Buffer | Uint8Array | string);
  'index'?: (Buffer | Uint8Array | string);
}

export interface GetIndexOp__Output {
  'key': (Buffer);
  'index': (Buffer);
}
