// Original file: proto/broker/v1/client.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { Delivery as _broker_v1_Delivery, Delivery__Output as _broker_v1_Delivery__Output } from '../../broker/v1/Delivery.js';
import type { PublishRequest as _broker_v1_PublishRequest, PublishRequest__Output as _broker_v1_PublishRequest__Output } from '../../broker/v1/PublishRequest.js';
import type { PublishResponse as _broker_v1_PublishResponse, PublishResponse__Output as _broker_v1_PublishResponse__Output } from '../../broker/v1/PublishResponse.js';
import type { StatusRequest as _broker_v1_StatusRequest, StatusRequest__Output as _broker_v1_StatusRequest__Output } from '../../broker/v1/StatusRequest.js';
import type { StatusResponse as _broker_v1_StatusResponse, StatusResponse__Output as _broker_v1_StatusResponse__Output } from '../../broker/v1/StatusResponse.js';
import type { SubscribeRequest as _broker_v1_SubscribeRequest, SubscribeRequest__Output as _broker_v1_SubscribeRequest__Output } from '../../broker/v1/SubscribeRequest.js';

export interface BrokerClientClient extends grpc.Client {
  Publish(argument: _broker_v1_PublishRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_broker_v1_PublishResponse__Output>): grpc.ClientUnaryCall;
  Publish(argument: _broker_v1_PublishRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_broker_v1_PublishResponse__Output>): grpc.ClientUnaryCall;
  Publish(argument: _broker_v1_PublishRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_broker_v1_PublishResponse__Output>): grpc.ClientUnaryCall;
  Publish(argument: _broker_v1_PublishRequest, callback: grpc.requestCallback<_broker_v1_PublishResponse__Output>): grpc.ClientUnaryCall;
  publish(argument: _broker_v1_PublishRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_broker_v1_PublishResponse__Output>): grpc.ClientUnaryCall;
  publish(argument: _broker_v1_PublishRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_broker_v1_PublishResponse__Output>): grpc.ClientUnaryCall;
  publish(argument: _broker_v1_PublishRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_broker_v1_PublishResponse__Output>): grpc.ClientUnaryCall;
  publish(argument: _broker_v1_PublishRequest, callback: grpc.requestCallback<_broker_v1_PublishResponse__Output>): grpc.ClientUnaryCall;
  
  PublishStream(metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_broker_v1_PublishResponse__Output>): grpc.ClientWritableStream<_broker_v1_PublishRequest>;
  PublishStream(metadata: grpc.Metadata, callback: grpc.requestCallback<_broker_v1_PublishResponse__Output>): grpc.ClientWritableStream<_broker_v1_PublishRequest>;
  PublishStream(options: grpc.CallOptions, callback: grpc.requestCallback<_broker_v1_PublishResponse__Output>): grpc.ClientWritableStream<_broker_v1_PublishRequest>;
  PublishStream(callback: grpc.requestCallback<_broker_v1_PublishResponse__Output>): grpc.ClientWritableStream<_broker_v1_PublishRequest>;
  publishStream(metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_broker_v1_PublishResponse__Output>): grpc.ClientWritableStream<_broker_v1_PublishRequest>;
  publishStream(metadata: grpc.Metadata, callback: grpc.requestCallback<_broker_v1_PublishResponse__Output>): grpc.ClientWritableStream<_broker_v1_PublishRequest>;
  publishStream(options: grpc.CallOptions, callback: grpc.requestCallback<_broker_v1_PublishResponse__Output>): grpc.ClientWritableStream<_broker_v1_PublishRequest>;
  publishStream(callback: grpc.requestCallback<_broker_v1_PublishResponse__Output>): grpc.ClientWritableStream<_broker_v1_PublishRequest>;
  
  Status(argument: _broker_v1_StatusRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_broker_v1_StatusResponse__Output>): grpc.ClientUnaryCall;
  Status(argument: _broker_v1_StatusRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_broker_v1_StatusResponse__Output>): grpc.ClientUnaryCall;
  Status(argument: _broker_v1_StatusRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_broker_v1_StatusResponse__Output>): grpc.ClientUnaryCall;
  Status(argument: _broker_v1_StatusRequest, callback: grpc.requestCallback<_broker_v1_StatusResponse__Output>): grpc.ClientUnaryCall;
  status(argument: _broker_v1_StatusRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_broker_v1_StatusResponse__Output>): grpc.ClientUnaryCall;
  status(argument: _broker_v1_StatusRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_broker_v1_StatusResponse__Output>): grpc.ClientUnaryCall;
  status(argument: _broker_v1_StatusRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_broker_v1_StatusResponse__Output>): grpc.ClientUnaryCall;
  status(argument: _broker_v1_StatusRequest, callback: grpc.requestCallback<_broker_v1_StatusResponse__Output>): grpc.ClientUnaryCall;
  
  Subscribe(argument: _broker_v1_SubscribeRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_broker_v1_Delivery__Output>;
  Subscribe(argument: _broker_v1_SubscribeRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_broker_v1_Delivery__Output>;
  subscribe(argument: _broker_v1_SubscribeRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_broker_v1_Delivery__Output>;
  subscribe(argument: _broker_v1_SubscribeRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_broker_v1_Delivery__Output>;
  
  SubscribeStream(metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientDuplexStream<_broker_v1_SubscribeRequest, _broker_v1_Delivery__Output>;
  SubscribeStream(options?: grpc.CallOptions): grpc.ClientDuplexStream<_broker_v1_SubscribeRequest, _broker_v1_Delivery__Output>;
  subscribeStream(metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientDuplexStream<_broker_v1_SubscribeRequest, _broker_v1_Delivery__Output>;
  subscribeStream(options?: grpc.CallOptions): grpc.ClientDuplexStream<_broker_v1_SubscribeRequest, _broker_v1_Delivery__Output>;
  
}

export interface BrokerClientHandlers extends grpc.UntypedServiceImplementation {
  Publish: grpc.handleUnaryCall<_broker_v1_PublishRequest__Output, _broker_v1_PublishResponse>;
  
  PublishStream: grpc.handleClientStreamingCall<_broker_v1_PublishRequest__Output, _broker_v1_PublishResponse>;
  
  Status: grpc.handleUnaryCall<_broker_v1_StatusRequest__Output, _broker_v1_StatusResponse>;
  
  Subscribe: grpc.handleServerStreamingCall<_broker_v1_SubscribeRequest__Output, _broker_v1_Delivery>;
  
  SubscribeStream: grpc.handleBidiStreamingCall<_broker_v1_SubscribeRequest__Output, _broker_v1_Delivery>;
  
}

export interface BrokerClientDefinition extends grpc.ServiceDefinition {
  Publish: MethodDefinition<_broker_v1_PublishRequest, _broker_v1_PublishResponse, _broker_v1_PublishRequest__Output, _broker_v1_PublishResponse__Output>
  PublishStream: MethodDefinition<_broker_v1_PublishRequest, _broker_v1_PublishResponse, _broker_v1_PublishRequest__Output, _broker_v1_PublishResponse__Output>
  Status: MethodDefinition<_broker_v1_StatusRequest, _broker_v1_StatusResponse, _broker_v1_StatusRequest__Output, _broker_v1_StatusResponse__Output>
  Subscribe: MethodDefinition<_broker_v1_SubscribeRequest, _broker_v1_Delivery, _broker_v1_SubscribeRequest__Output, _broker_v1_Delivery__Output>
  SubscribeStream: MethodDefinition<_broker_v1_SubscribeRequest, _broker_v1_Delivery, _broker_v1_SubscribeRequest__Output, _broker_v1_Delivery__Output>
}
