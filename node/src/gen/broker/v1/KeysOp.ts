// Original file: proto/broker/v1/store.proto


export interface KeysOp {
}

export interface KeysOp__Output {
}
