// Original file: proto/broker/v1/peer.proto


export interface JoinResponse {
  'cluster_id'?: (string);
  'generation'?: (number);
  'admitted'?: (boolean);
  'reason'?: (string);
}

export interface JoinResponse__Output {
  'cluster_id': (string);
  'generation': (number);
  'admitted': (boolean);
  'reason': (string);
}
