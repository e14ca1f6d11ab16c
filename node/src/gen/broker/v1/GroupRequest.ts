// Original file: proto/broker/v1/admin.proto


export interface GroupRequest {
  'group'?: (string);
}

export interface GroupRequest__Output {
  'group': (string);
}
