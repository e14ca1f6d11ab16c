// Original file: proto/broker/v1/store.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { ListStoresRequest as _broker_v1_ListStoresRequest, ListStoresRequest__Output as _broker_v1_ListStoresRequest__Output } from '../../broker/v1/ListStoresRequest.js';
import type { ListStoresResponse as _broker_v1_ListStoresResponse, ListStoresResponse__Output as _broker_v1_ListStoresResponse__Output } from '../../broker/v1/ListStoresResponse.js';
import type { ReadRequest as _broker_v1_ReadRequest, ReadRequest__Output as _broker_v1_ReadRequest__Output } from '../../broker/v1/ReadRequest.js';
import type { ReadResponse as _broker_v1_ReadResponse, ReadResponse__Output as _broker_v1_ReadResponse__Output } from '../../broker/v1/ReadResponse.js';
import type { WatchRequest as _broker_v1_WatchRequest, WatchRequest__Output as _broker_v1_WatchRequest__Output } from '../../broker/v1/WatchRequest.js';
import type { WatchResponse as _broker_v1_WatchResponse, WatchResponse__Output as _broker_v1_WatchResponse__Output } from '../../broker/v1/WatchResponse.js';
import type { WriteRequest as _broker_v1_WriteRequest, WriteRequest__Output as _broker_v1_WriteRequest__Output } from '../../broker/v1/WriteRequest.js';
import type { WriteResponse as _broker_v1_WriteResponse, WriteResponse__Output as _broker_v1_WriteResponse__Output } from '../../broker/v1/WriteResponse.js';

export interface BrokerStoreClient extends grpc.Client {
  ListStores(argument: _broker_v1_ListStoresRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_broker_v1_ListStoresResponse__Output>): grpc.ClientUnaryCall;
  ListStores(argument: _broker_v1_ListStoresRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_broker_v1_ListStoresResponse__Output>): grpc.ClientUnaryCall;
  ListStores(argument: _broker_v1_ListStoresRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_broker_v1_ListStoresResponse__Output>): grpc.ClientUnaryCall;
  ListStores(argument: _broker_v1_ListStoresRequest, callback: grpc.requestCallback<_broker_v1_ListStoresResponse__Output>): grpc.ClientUnaryCall;
  listStores(argument: _broker_v1_ListStoresRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_broker_v1_ListStoresResponse__Output>): grpc.ClientUnaryCall;
  listStores(argument: _broker_v1_ListStoresRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_broker_v1_ListStoresResponse__Output>): grpc.ClientUnaryCall;
  listStores(argument: _broker_v1_ListStoresRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_broker_v1_ListStoresResponse__Output>): grpc.ClientUnaryCall;
  listStores(argument: _broker_v1_ListStoresRequest, callback: grpc.requestCallback<_broker_v1_ListStoresResponse__Output>): grpc.ClientUnaryCall;
  
  Read(argument: _broker_v1_ReadRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_broker_v1_ReadResponse__Output>): grpc.ClientUnaryCall;
  Read(argument: _broker_v1_ReadRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_broker_v1_ReadResponse__Output>): grpc.ClientUnaryCall;
  Read(argument: _broker_v1_ReadRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_broker_v1_ReadResponse__Output>): grpc.ClientUnaryCall;
  Read(argument: _broker_v1_ReadRequest, callback: grpc.requestCallback<_broker_v1_ReadResponse__Output>): grpc.ClientUnaryCall;
  read(argument: _broker_v1_ReadRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_broker_v1_ReadResponse__Output>): grpc.ClientUnaryCall;
  read(argument: _broker_v1_ReadRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_broker_v1_ReadResponse__Output>): grpc.ClientUnaryCall;
  read(argument: _broker_v1_ReadRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_broker_v1_ReadResponse__Output>): grpc.ClientUnaryCall;
  read(argument: _broker_v1_ReadRequest, callback: grpc.requestCallback<_broker_v1_ReadResponse__Output>): grpc.ClientUnaryCall;
  
  Watch(argument: _broker_v1_WatchRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_broker_v1_WatchResponse__Output>;
  Watch(argument: _broker_v1_WatchRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_broker_v1_WatchResponse__Output>;
  watch(argument: _broker_v1_WatchRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_broker_v1_WatchResponse__Output>;
  watch(argument: _broker_v1_WatchRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_broker_v1_WatchResponse__Output>;
  
  Write(argument: _broker_v1_WriteRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_broker_v1_WriteResponse__Output>): grpc.ClientUnaryCall;
  Write(argument: _broker_v1_WriteRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_broker_v1_WriteResponse__Output>): grpc.ClientUnaryCall;
  Write(argument: _broker_v1_WriteRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_broker_v1_WriteResponse__Output>): grpc.ClientUnaryCall;
  Write(argument: _broker_v1_WriteRequest, callback: grpc.requestCallback<_broker_v1_WriteResponse__Output>): grpc.ClientUnaryCall;
  write(argument: _broker_v1_WriteRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_broker_v1_WriteResponse__Output>): grpc.ClientUnaryCall;
  write(argument: _broker_v1_WriteRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_broker_v1_WriteResponse__Output>): grpc.ClientUnaryCall;
  write(argument: _broker_v1_WriteRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_broker_v1_WriteResponse__Output>): grpc.ClientUnaryCall;
  write(argument: _broker_v1_WriteRequest, callback: grpc.requestCallback<_broker_v1_WriteResponse__Output>): grpc.ClientUnaryCall;
  
}

export interface BrokerStoreHandlers extends grpc.UntypedServiceImplementation {
  ListStores: grpc.handleUnaryCall<_broker_v1_ListStoresRequest__Output, _broker_v1_ListStoresResponse>;
  
  Read: grpc.handleUnaryCall<_broker_v1_ReadRequest__Output, _broker_v1_ReadResponse>;
  
  Watch: grpc.handleServerStreamingCall<_broker_v1_WatchRequest__Output, _broker_v1_WatchResponse>;
  
  Write: grpc.handleUnaryCall<_broker_v1_WriteRequest__Output, _broker_v1_WriteResponse>;
  
}

export interface BrokerStoreDefinition extends grpc.ServiceDefinition {
  ListStores: MethodDefinition<_broker_v1_ListStoresRequest, _broker_v1_ListStoresResponse, _broker_v1_ListStoresRequest__Output, _broker_v1_ListStoresResponse__Output>
  Read: MethodDefinition<_broker_v1_ReadRequest, _broker_v1_ReadResponse, _broker_v1_ReadRequest__Output, _broker_v1_ReadResponse__Output>
  Watch: MethodDefinition<_broker_v1_WatchRequest, _broker_v1_WatchResponse, _broker_v1_WatchRequest__Output, _broker_v1_WatchResponse__Output>
  Write: MethodDefinition<_broker_v1_WriteRequest, _broker_v1_WriteResponse, _broker_v1_WriteRequest__Output, _broker_v1_WriteResponse__Output>
}
