// Original file: proto/broker/v1/admin.proto


export interface MemberRequest {
  'id'?: (string);
}

export interface MemberRequest__Output {
  'id': (string);
}
