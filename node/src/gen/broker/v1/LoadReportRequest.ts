// Original file: proto/broker/v1/admin.proto


export interface LoadReportRequest {
}

export interface LoadReportRequest__Output {
}
