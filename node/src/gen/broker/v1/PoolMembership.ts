// Original file: proto/broker/v1/client.proto


export interface PoolMembership {
  'pool'?: (string);
  'member'?: (string);
  'joined'?: (string)[];
  'left'?: (string)[];
  'members'?: (string)[];
}

export interface PoolMembership__Output {
  'pool': (string);
  'member': (string);
  'joined': (string)[];
  'left': (string)[];
  'members': (string)[];
}
