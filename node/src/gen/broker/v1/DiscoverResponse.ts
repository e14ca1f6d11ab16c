// Original file: proto/broker/v1/peer.proto


export interface DiscoverResponse {
  'state'?: (string);
  'cluster_id'?: (string);
  'meta_leader'?: (string);
  'generation'?: (number);
  'member'?: (boolean);
}

export interface DiscoverResponse__Output {
  'state': (string);
  'cluster_id': (string);
  'meta_leader': (string);
  'generation': (number);
  'member': (boolean);
}
