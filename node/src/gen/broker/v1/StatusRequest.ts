// Original file: proto/broker/v1/client.proto


export interface StatusRequest {
}

export interface StatusRequest__Output {
}
