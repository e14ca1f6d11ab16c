// Original file: proto/broker/v1/peer.proto


export interface JoinRequest {
  'peer_id'?: (string);
  'address'?: (string);
  'empty'?: (boolean);
}

export interface JoinRequest__Output {
  'peer_id': (string);
  'address': (string);
  'empty': (boolean);
}
