// Original file: proto/broker/v1/data.proto


export interface DataNone {
}

export interface DataNone__Output {
}
