// Original file: proto/broker/v1/peer.proto


export interface PeerProof {
  'peer_id'?: (string);
  'mac'?: (Buffer | Uint8Array | string);
  'protocol_version'?: (number);
  'incarnation'?: (string);
}

export interface PeerProof__Output {
  'peer_id': (string);
  'mac': (Buffer);
  'protocol_version': (number);
  'incarnation': (string);
}
