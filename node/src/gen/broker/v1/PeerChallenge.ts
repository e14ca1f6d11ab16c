// Original file: proto/broker/v1/peer.proto


export interface PeerChallenge {
  'nonce'?: (Buffer | Uint8Array | string);
  'server_id'?: (string);
}

export interface PeerChallenge__Output {
  'nonce': (Buffer);
  'server_id': (string);
}
