// Original file: proto/broker/v1/admin.proto


export interface TransferLeadershipRequest {
  'group'?: (string);
  'to'?: (string);
}

export interface TransferLeadershipRequest__Output {
  'group': (string);
  'to': (string);
}
