// Original file: proto/broker/v1/admin.proto


export interface AddMemberRequest {
  'id'?: (string);
  'address'?: (string);
}

export interface AddMemberRequest__Output {
  'id': (string);
  'address': (string);
}
