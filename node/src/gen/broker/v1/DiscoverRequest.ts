// Original file: proto/broker/v1/peer.proto


export interface DiscoverRequest {
  'peer_id'?: (string);
}

export interface DiscoverRequest__Output {
  'peer_id': (string);
}
