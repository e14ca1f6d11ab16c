// Original file: proto/broker/v1/store.proto


export interface ClearOp {
}

export interface ClearOp__Output {
}
