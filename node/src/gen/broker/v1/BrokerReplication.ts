// Original file: proto/broker/v1/peer.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { DiscoverRequest as _broker_v1_DiscoverRequest, DiscoverRequest__Output as _broker_v1_DiscoverRequest__Output } from '../../broker/v1/DiscoverRequest.js';
import type { DiscoverResponse as _broker_v1_DiscoverResponse, DiscoverResponse__Output as _broker_v1_DiscoverResponse__Output } from '../../broker/v1/DiscoverResponse.js';
import type { JoinRequest as _broker_v1_JoinRequest, JoinRequest__Output as _broker_v1_JoinRequest__Output } from '../../broker/v1/JoinRequest.js';
import type { JoinResponse as _broker_v1_JoinResponse, JoinResponse__Output as _broker_v1_JoinResponse__Output } from '../../broker/v1/JoinResponse.js';
import type { ReplicationFrame as _broker_v1_ReplicationFrame, ReplicationFrame__Output as _broker_v1_ReplicationFrame__Output } from '../../broker/v1/ReplicationFrame.js';

export interface BrokerReplicationClient extends grpc.Client {
  Discover(argument: _broker_v1_DiscoverRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_broker_v1_DiscoverResponse__Output>): grpc.ClientUnaryCall;
  Discover(argument: _broker_v1_DiscoverRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_broker_v1_DiscoverResponse__Output>): grpc.ClientUnaryCall;
  Discover(argument: _broker_v1_DiscoverRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_broker_v1_DiscoverResponse__Output>): grpc.ClientUnaryCall;
  Discover(argument: _broker_v1_DiscoverRequest, callback: grpc.requestCallback<_broker_v1_DiscoverResponse__Output>): grpc.ClientUnaryCall;
  discover(argument: _broker_v1_DiscoverRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_broker_v1_DiscoverResponse__Output>): grpc.ClientUnaryCall;
  discover(argument: _broker_v1_DiscoverRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_broker_v1_DiscoverResponse__Output>): grpc.ClientUnaryCall;
  discover(argument: _broker_v1_DiscoverRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_broker_v1_DiscoverResponse__Output>): grpc.ClientUnaryCall;
  discover(argument: _broker_v1_DiscoverRequest, callback: grpc.requestCallback<_broker_v1_DiscoverResponse__Output>): grpc.ClientUnaryCall;
  
  InstallSnapshot(metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientDuplexStream<_broker_v1_ReplicationFrame, _broker_v1_ReplicationFrame__Output>;
  InstallSnapshot(options?: grpc.CallOptions): grpc.ClientDuplexStream<_broker_v1_ReplicationFrame, _broker_v1_ReplicationFrame__Output>;
  installSnapshot(metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientDuplexStream<_broker_v1_ReplicationFrame, _broker_v1_ReplicationFrame__Output>;
  installSnapshot(options?: grpc.CallOptions): grpc.ClientDuplexStream<_broker_v1_ReplicationFrame, _broker_v1_ReplicationFrame__Output>;
  
  Join(argument: _broker_v1_JoinRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_broker_v1_JoinResponse__Output>): grpc.ClientUnaryCall;
  Join(argument: _broker_v1_JoinRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_broker_v1_JoinResponse__Output>): grpc.ClientUnaryCall;
  Join(argument: _broker_v1_JoinRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_broker_v1_JoinResponse__Output>): grpc.ClientUnaryCall;
  Join(argument: _broker_v1_JoinRequest, callback: grpc.requestCallback<_broker_v1_JoinResponse__Output>): grpc.ClientUnaryCall;
  join(argument: _broker_v1_JoinRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_broker_v1_JoinResponse__Output>): grpc.ClientUnaryCall;
  join(argument: _broker_v1_JoinRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_broker_v1_JoinResponse__Output>): grpc.ClientUnaryCall;
  join(argument: _broker_v1_JoinRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_broker_v1_JoinResponse__Output>): grpc.ClientUnaryCall;
  join(argument: _broker_v1_JoinRequest, callback: grpc.requestCallback<_broker_v1_JoinResponse__Output>): grpc.ClientUnaryCall;
  
  Raft(metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientDuplexStream<_broker_v1_ReplicationFrame, _broker_v1_ReplicationFrame__Output>;
  Raft(options?: grpc.CallOptions): grpc.ClientDuplexStream<_broker_v1_ReplicationFrame, _broker_v1_ReplicationFrame__Output>;
  raft(metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientDuplexStream<_broker_v1_ReplicationFrame, _broker_v1_ReplicationFrame__Output>;
  raft(options?: grpc.CallOptions): grpc.ClientDuplexStream<_broker_v1_ReplicationFrame, _broker_v1_ReplicationFrame__Output>;
  
}

export interface BrokerReplicationHandlers extends grpc.UntypedServiceImplementation {
  Discover: grpc.handleUnaryCall<_broker_v1_DiscoverRequest__Output, _broker_v1_DiscoverResponse>;
  
  InstallSnapshot: grpc.handleBidiStreamingCall<_broker_v1_ReplicationFrame__Output, _broker_v1_ReplicationFrame>;
  
  Join: grpc.handleUnaryCall<_broker_v1_JoinRequest__Output, _broker_v1_JoinResponse>;
  
  Raft: grpc.handleBidiStreamingCall<_broker_v1_ReplicationFrame__Output, _broker_v1_ReplicationFrame>;
  
}

export interface BrokerReplicationDefinition extends grpc.ServiceDefinition {
  Discover: MethodDefinition<_broker_v1_DiscoverRequest, _broker_v1_DiscoverResponse, _broker_v1_DiscoverRequest__Output, _broker_v1_DiscoverResponse__Output>
  InstallSnapshot: MethodDefinition<_broker_v1_ReplicationFrame, _broker_v1_ReplicationFrame, _broker_v1_ReplicationFrame__Output, _broker_v1_ReplicationFrame__Output>
  Join: MethodDefinition<_broker_v1_JoinRequest, _broker_v1_JoinResponse, _broker_v1_JoinRequest__Output, _broker_v1_JoinResponse__Output>
  Raft: MethodDefinition<_broker_v1_ReplicationFrame, _broker_v1_ReplicationFrame, _broker_v1_ReplicationFrame__Output, _broker_v1_ReplicationFrame__Output>
}
