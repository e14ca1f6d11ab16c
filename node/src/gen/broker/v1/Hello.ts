// Original file: proto/broker/v1/peer.proto

import type { Long } from '@grpc/proto-loader';

export interface Hello {
  'peer_id'?: (string);
  'protocol_version'?: (number);
  'incarnation'?: (string);
  'initial_credit'?: (number | string | Long);
  'proof'?: (Buffer | Uint8Array | string);
}

export interface Hello__Output {
  'peer_id': (string);
  'protocol_version': (number);
  'incarnation': (string);
  'initial_credit': (string);
  'proof': (Buffer);
}
