// Original file: proto/broker/v1/peer.proto


export interface PoolMember {
  'pool'?: (string);
  'member'?: (string);
  'topics'?: (string)[];
}

export interface PoolMember__Output {
  'pool': (string);
  'member': (string);
  'topics': (string)[];
}
