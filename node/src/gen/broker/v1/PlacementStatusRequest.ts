// Original file: proto/broker/v1/admin.proto


export interface PlacementStatusRequest {
}

export interface PlacementStatusRequest__Output {
}
