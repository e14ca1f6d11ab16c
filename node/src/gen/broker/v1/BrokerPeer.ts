// Original file: proto/broker/v1/peer.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { PeerFrame as _broker_v1_PeerFrame, PeerFrame__Output as _broker_v1_PeerFrame__Output } from '../../broker/v1/PeerFrame.js';

export interface BrokerPeerClient extends grpc.Client {
  Link(metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientDuplexStream<_broker_v1_PeerFrame, _broker_v1_PeerFrame__Output>;
  Link(options?: grpc.CallOptions): grpc.ClientDuplexStream<_broker_v1_PeerFrame, _broker_v1_PeerFrame__Output>;
  link(metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientDuplexStream<_broker_v1_PeerFrame, _broker_v1_PeerFrame__Output>;
  link(options?: grpc.CallOptions): grpc.ClientDuplexStream<_broker_v1_PeerFrame, _broker_v1_PeerFrame__Output>;
  
}

export interface BrokerPeerHandlers extends grpc.UntypedServiceImplementation {
  Link: grpc.handleBidiStreamingCall<_broker_v1_PeerFrame__Output, _broker_v1_PeerFrame>;
  
}

export interface BrokerPeerDefinition extends grpc.ServiceDefinition {
  Link: MethodDefinition<_broker_v1_PeerFrame, _broker_v1_PeerFrame, _broker_v1_PeerFrame__Output, _broker_v1_PeerFrame__Output>
}
