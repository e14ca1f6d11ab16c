// Original file: proto/broker/v1/admin.proto


export interface ClusterMapRequest {
}

export interface ClusterMapRequest__Output {
}
