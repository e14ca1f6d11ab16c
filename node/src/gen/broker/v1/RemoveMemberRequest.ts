// Original file: proto/broker/v1/admin.proto


export interface RemoveMemberRequest {
  'id'?: (string);
  'force'?: (boolean);
}

export interface RemoveMemberRequest__Output {
  'id': (string);
  'force': (boolean);
}
