// Original file: proto/broker/v1/store.proto


export interface ListStoresRequest {
}

export interface ListStoresRequest__Output {
}
