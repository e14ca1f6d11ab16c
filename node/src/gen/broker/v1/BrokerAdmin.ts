// Original file: proto/broker/v1/admin.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { AddMemberRequest as _broker_v1_AddMemberRequest, AddMemberRequest__Output as _broker_v1_AddMemberRequest__Output } from '../../broker/v1/AddMemberRequest.js';
import type { ClusterMapRequest as _broker_v1_ClusterMapRequest, ClusterMapRequest__Output as _broker_v1_ClusterMapRequest__Output } from '../../broker/v1/ClusterMapRequest.js';
import type { ClusterMapResponse as _broker_v1_ClusterMapResponse, ClusterMapResponse__Output as _broker_v1_ClusterMapResponse__Output } from '../../broker/v1/ClusterMapResponse.js';
import type { CreateStoreRequest as _broker_v1_CreateStoreRequest, CreateStoreRequest__Output as _broker_v1_CreateStoreRequest__Output } from '../../broker/v1/CreateStoreRequest.js';
import type { DeleteStoreRequest as _broker_v1_DeleteStoreRequest, DeleteStoreRequest__Output as _broker_v1_DeleteStoreRequest__Output } from '../../broker/v1/DeleteStoreRequest.js';
import type { DrainStatus as _broker_v1_DrainStatus, DrainStatus__Output as _broker_v1_DrainStatus__Output } from '../../broker/v1/DrainStatus.js';
import type { GroupRequest as _broker_v1_GroupRequest, GroupRequest__Output as _broker_v1_GroupRequest__Output } from '../../broker/v1/GroupRequest.js';
import type { GroupStatus as _broker_v1_GroupStatus, GroupStatus__Output as _broker_v1_GroupStatus__Output } from '../../broker/v1/GroupStatus.js';
import type { GroupStatusResponse as _broker_v1_GroupStatusResponse, GroupStatusResponse__Output as _broker_v1_GroupStatusResponse__Output } from '../../broker/v1/GroupStatusResponse.js';
import type { LoadReport as _broker_v1_LoadReport, LoadReport__Output as _broker_v1_LoadReport__Output } from '../../broker/v1/LoadReport.js';
import type { LoadReportRequest as _broker_v1_LoadReportRequest, LoadReportRequest__Output as _broker_v1_LoadReportRequest__Output } from '../../broker/v1/LoadReportRequest.js';
import type { MemberRequest as _broker_v1_MemberRequest, MemberRequest__Output as _broker_v1_MemberRequest__Output } from '../../broker/v1/MemberRequest.js';
import type { PlacementStatus as _broker_v1_PlacementStatus, PlacementStatus__Output as _broker_v1_PlacementStatus__Output } from '../../broker/v1/PlacementStatus.js';
import type { PlacementStatusRequest as _broker_v1_PlacementStatusRequest, PlacementStatusRequest__Output as _broker_v1_PlacementStatusRequest__Output } from '../../broker/v1/PlacementStatusRequest.js';
import type { RemoveMemberRequest as _broker_v1_RemoveMemberRequest, RemoveMemberRequest__Output as _broker_v1_RemoveMemberRequest__Output } from '../../broker/v1/RemoveMemberRequest.js';
import type { StoreMap as _broker_v1_StoreMap, StoreMap__Output as _broker_v1_StoreMap__Output } from '../../broker/v1/StoreMap.js';
import type { TransferLeadershipRequest as _broker_v1_TransferLeadershipRequest, TransferLeadershipRequest__Output as _broker_v1_TransferLeadershipRequest__Output } from '../../broker/v1/TransferLeadershipRequest.js';

export interface BrokerAdminClient extends grpc.Client {
  AddMember(argument: _broker_v1_AddMemberRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_broker_v1_ClusterMapResponse__Output>): grpc.ClientUnaryCall;
  AddMember(argument: _broker_v1_AddMemberRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_broker_v1_ClusterMapResponse__Output>): grpc.ClientUnaryCall;
  AddMember(argument: _broker_v1_AddMemberRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_broker_v1_ClusterMapResponse__Output>): grpc.ClientUnaryCall;
  AddMember(argument: _broker_v1_AddMemberRequest, callback: grpc.requestCallback<_broker_v1_ClusterMapResponse__Output>): grpc.ClientUnaryCall;
  addMember(argument: _broker_v1_AddMemberRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_broker_v1_ClusterMapResponse__Output>): grpc.ClientUnaryCall;
  addMember(argument: _broker_v1_AddMemberRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_broker_v1_ClusterMapResponse__Output>): grpc.ClientUnaryCall;
  addMember(argument: _broker_v1_AddMemberRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_broker_v1_ClusterMapResponse__Output>): grpc.ClientUnaryCall;
  addMember(argument: _broker_v1_AddMemberRequest, callback: grpc.requestCallback<_broker_v1_ClusterMapResponse__Output>): grpc.ClientUnaryCall;
  
  ClusterMap(argument: _broker_v1_ClusterMapRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_broker_v1_ClusterMapResponse__Output>): grpc.ClientUnaryCall;
  ClusterMap(argument: _broker_v1_ClusterMapRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_broker_v1_ClusterMapResponse__Output>): grpc.ClientUnaryCall;
  ClusterMap(argument: _broker_v1_ClusterMapRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_broker_v1_ClusterMapResponse__Output>): grpc.ClientUnaryCall;
  ClusterMap(argument: _broker_v1_ClusterMapRequest, callback: grpc.requestCallback<_broker_v1_ClusterMapResponse__Output>): grpc.ClientUnaryCall;
  clusterMap(argument: _broker_v1_ClusterMapRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_broker_v1_ClusterMapResponse__Output>): grpc.ClientUnaryCall;
  clusterMap(argument: _broker_v1_ClusterMapRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_broker_v1_ClusterMapResponse__Output>): grpc.ClientUnaryCall;
  clusterMap(argument: _broker_v1_ClusterMapRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_broker_v1_ClusterMapResponse__Output>): grpc.ClientUnaryCall;
  clusterMap(argument: _broker_v1_ClusterMapRequest, callback: grpc.requestCallback<_broker_v1_ClusterMapResponse__Output>): grpc.ClientUnaryCall;
  
  CreateStore(argument: _broker_v1_CreateStoreRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_broker_v1_StoreMap__Output>): grpc.ClientUnaryCall;
  CreateStore(argument: _broker_v1_CreateStoreRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_broker_v1_StoreMap__Output>): grpc.ClientUnaryCall;
  CreateStore(argument: _broker_v1_CreateStoreRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_broker_v1_StoreMap__Output>): grpc.ClientUnaryCall;
  CreateStore(argument: _broker_v1_CreateStoreRequest, callback: grpc.requestCallback<_broker_v1_StoreMap__Output>): grpc.ClientUnaryCall;
  createStore(argument: _broker_v1_CreateStoreRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_broker_v1_StoreMap__Output>): grpc.ClientUnaryCall;
  createStore(argument: _broker_v1_CreateStoreRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_broker_v1_StoreMap__Output>): grpc.ClientUnaryCall;
  createStore(argument: _broker_v1_CreateStoreRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_broker_v1_StoreMap__Output>): grpc.ClientUnaryCall;
  createStore(argument: _broker_v1_CreateStoreRequest, callback: grpc.requestCallback<_broker_v1_StoreMap__Output>): grpc.ClientUnaryCall;
  
  DeleteStore(argument: _broker_v1_DeleteStoreRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_broker_v1_ClusterMapResponse__Output>): grpc.ClientUnaryCall;
  DeleteStore(argument: _broker_v1_DeleteStoreRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_broker_v1_ClusterMapResponse__Output>): grpc.ClientUnaryCall;
  DeleteStore(argument: _broker_v1_DeleteStoreRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_broker_v1_ClusterMapResponse__Output>): grpc.ClientUnaryCall;
  DeleteStore(argument: _broker_v1_DeleteStoreRequest, callback: grpc.requestCallback<_broker_v1_ClusterMapResponse__Output>): grpc.ClientUnaryCall;
  deleteStore(argument: _broker_v1_DeleteStoreRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_broker_v1_ClusterMapResponse__Output>): grpc.ClientUnaryCall;
  deleteStore(argument: _broker_v1_DeleteStoreRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_broker_v1_ClusterMapResponse__Output>): grpc.ClientUnaryCall;
  deleteStore(argument: _broker_v1_DeleteStoreRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_broker_v1_ClusterMapResponse__Output>): grpc.ClientUnaryCall;
  deleteStore(argument: _broker_v1_DeleteStoreRequest, callback: grpc.requestCallback<_broker_v1_ClusterMapResponse__Output>): grpc.ClientUnaryCall;
  
  DrainMember(argument: _broker_v1_MemberRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_broker_v1_DrainStatus__Output>): grpc.ClientUnaryCall;
  DrainMember(argument: _broker_v1_MemberRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_broker_v1_DrainStatus__Output>): grpc.ClientUnaryCall;
  DrainMember(argument: _broker_v1_MemberRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_broker_v1_DrainStatus__Output>): grpc.ClientUnaryCall;
  DrainMember(argument: _broker_v1_MemberRequest, callback: grpc.requestCallback<_broker_v1_DrainStatus__Output>): grpc.ClientUnaryCall;
  drainMember(argument: _broker_v1_MemberRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_broker_v1_DrainStatus__Output>): grpc.ClientUnaryCall;
  drainMember(argument: _broker_v1_MemberRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_broker_v1_DrainStatus__Output>): grpc.ClientUnaryCall;
  drainMember(argument: _broker_v1_MemberRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_broker_v1_DrainStatus__Output>): grpc.ClientUnaryCall;
  drainMember(argument: _broker_v1_MemberRequest, callback: grpc.requestCallback<_broker_v1_DrainStatus__Output>): grpc.ClientUnaryCall;
  
  ForceSnapshot(argument: _broker_v1_GroupRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_broker_v1_GroupStatus__Output>): grpc.ClientUnaryCall;
  ForceSnapshot(argument: _broker_v1_GroupRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_broker_v1_GroupStatus__Output>): grpc.ClientUnaryCall;
  ForceSnapshot(argument: _broker_v1_GroupRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_broker_v1_GroupStatus__Output>): grpc.ClientUnaryCall;
  ForceSnapshot(argument: _broker_v1_GroupRequest, callback: grpc.requestCallback<_broker_v1_GroupStatus__Output>): grpc.ClientUnaryCall;
  forceSnapshot(argument: _broker_v1_GroupRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_broker_v1_GroupStatus__Output>): grpc.ClientUnaryCall;
  forceSnapshot(argument: _broker_v1_GroupRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_broker_v1_GroupStatus__Output>): grpc.ClientUnaryCall;
  forceSnapshot(argument: _broker_v1_GroupRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_broker_v1_GroupStatus__Output>): grpc.ClientUnaryCall;
  forceSnapshot(argument: _broker_v1_GroupRequest, callback: grpc.requestCallback<_broker_v1_GroupStatus__Output>): grpc.ClientUnaryCall;
  
  GetDrainStatus(argument: _broker_v1_MemberRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_broker_v1_DrainStatus__Output>): grpc.ClientUnaryCall;
  GetDrainStatus(argument: _broker_v1_MemberRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_broker_v1_DrainStatus__Output>): grpc.ClientUnaryCall;
  GetDrainStatus(argument: _broker_v1_MemberRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_broker_v1_DrainStatus__Output>): grpc.ClientUnaryCall;
  GetDrainStatus(argument: _broker_v1_MemberRequest, callback: grpc.requestCallback<_broker_v1_DrainStatus__Output>): grpc.ClientUnaryCall;
  getDrainStatus(argument: _broker_v1_MemberRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_broker_v1_DrainStatus__Output>): grpc.ClientUnaryCall;
  getDrainStatus(argument: _broker_v1_MemberRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_broker_v1_DrainStatus__Output>): grpc.ClientUnaryCall;
  getDrainStatus(argument: _broker_v1_MemberRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_broker_v1_DrainStatus__Output>): grpc.ClientUnaryCall;
  getDrainStatus(argument: _broker_v1_MemberRequest, callback: grpc.requestCallback<_broker_v1_DrainStatus__Output>): grpc.ClientUnaryCall;
  
  GroupStatus(argument: _broker_v1_GroupRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_broker_v1_GroupStatusResponse__Output>): grpc.ClientUnaryCall;
  GroupStatus(argument: _broker_v1_GroupRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_broker_v1_GroupStatusResponse__Output>): grpc.ClientUnaryCall;
  GroupStatus(argument: _broker_v1_GroupRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_broker_v1_GroupStatusResponse__Output>): grpc.ClientUnaryCall;
  GroupStatus(argument: _broker_v1_GroupRequest, callback: grpc.requestCallback<_broker_v1_GroupStatusResponse__Output>): grpc.ClientUnaryCall;
  groupStatus(argument: _broker_v1_GroupRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_broker_v1_GroupStatusResponse__Output>): grpc.ClientUnaryCall;
  groupStatus(argument: _broker_v1_GroupRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_broker_v1_GroupStatusResponse__Output>): grpc.ClientUnaryCall;
  groupStatus(argument: _broker_v1_GroupRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_broker_v1_GroupStatusResponse__Output>): grpc.ClientUnaryCall;
  groupStatus(argument: _broker_v1_GroupRequest, callback: grpc.requestCallback<_broker_v1_GroupStatusResponse__Output>): grpc.ClientUnaryCall;
  
  LoadReport(argument: _broker_v1_LoadReportRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_broker_v1_LoadReport__Output>): grpc.ClientUnaryCall;
  LoadReport(argument: _broker_v1_LoadReportRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_broker_v1_LoadReport__Output>): grpc.ClientUnaryCall;
  LoadReport(argument: _broker_v1_LoadReportRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_broker_v1_LoadReport__Output>): grpc.ClientUnaryCall;
  LoadReport(argument: _broker_v1_LoadReportRequest, callback: grpc.requestCallback<_broker_v1_LoadReport__Output>): grpc.ClientUnaryCall;
  loadReport(argument: _broker_v1_LoadReportRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_broker_v1_LoadReport__Output>): grpc.ClientUnaryCall;
  loadReport(argument: _broker_v1_LoadReportRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_broker_v1_LoadReport__Output>): grpc.ClientUnaryCall;
  loadReport(argument: _broker_v1_LoadReportRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_broker_v1_LoadReport__Output>): grpc.ClientUnaryCall;
  loadReport(argument: _broker_v1_LoadReportRequest, callback: grpc.requestCallback<_broker_v1_LoadReport__Output>): grpc.ClientUnaryCall;
  
  PlacementStatus(argument: _broker_v1_PlacementStatusRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_broker_v1_PlacementStatus__Output>): grpc.ClientUnaryCall;
  PlacementStatus(argument: _broker_v1_PlacementStatusRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_broker_v1_PlacementStatus__Output>): grpc.ClientUnaryCall;
  PlacementStatus(argument: _broker_v1_PlacementStatusRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_broker_v1_PlacementStatus__Output>): grpc.ClientUnaryCall;
  PlacementStatus(argument: _broker_v1_PlacementStatusRequest, callback: grpc.requestCallback<_broker_v1_PlacementStatus__Output>): grpc.ClientUnaryCall;
  placementStatus(argument: _broker_v1_PlacementStatusRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_broker_v1_PlacementStatus__Output>): grpc.ClientUnaryCall;
  placementStatus(argument: _broker_v1_PlacementStatusRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_broker_v1_PlacementStatus__Output>): grpc.ClientUnaryCall;
  placementStatus(argument: _broker_v1_PlacementStatusRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_broker_v1_PlacementStatus__Output>): grpc.ClientUnaryCall;
  placementStatus(argument: _broker_v1_PlacementStatusRequest, callback: grpc.requestCallback<_broker_v1_PlacementStatus__Output>): grpc.ClientUnaryCall;
  
  PromoteMember(argument: _broker_v1_MemberRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_broker_v1_ClusterMapResponse__Output>): grpc.ClientUnaryCall;
  PromoteMember(argument: _broker_v1_MemberRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_broker_v1_ClusterMapResponse__Output>): grpc.ClientUnaryCall;
  PromoteMember(argument: _broker_v1_MemberRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_broker_v1_ClusterMapResponse__Output>): grpc.ClientUnaryCall;
  PromoteMember(argument: _broker_v1_MemberRequest, callback: grpc.requestCallback<_broker_v1_ClusterMapResponse__Output>): grpc.ClientUnaryCall;
  promoteMember(argument: _broker_v1_MemberRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_broker_v1_ClusterMapResponse__Output>): grpc.ClientUnaryCall;
  promoteMember(argument: _broker_v1_MemberRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_broker_v1_ClusterMapResponse__Output>): grpc.ClientUnaryCall;
  promoteMember(argument: _broker_v1_MemberRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_broker_v1_ClusterMapResponse__Output>): grpc.ClientUnaryCall;
  promoteMember(argument: _broker_v1_MemberRequest, callback: grpc.requestCallback<_broker_v1_ClusterMapResponse__Output>): grpc.ClientUnaryCall;
  
  RemoveMember(argument: _broker_v1_RemoveMemberRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_broker_v1_ClusterMapResponse__Output>): grpc.ClientUnaryCall;
  RemoveMember(argument: _broker_v1_RemoveMemberRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_broker_v1_ClusterMapResponse__Output>): grpc.ClientUnaryCall;
  RemoveMember(argument: _broker_v1_RemoveMemberRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_broker_v1_ClusterMapResponse__Output>): grpc.ClientUnaryCall;
  RemoveMember(argument: _broker_v1_RemoveMemberRequest, callback: grpc.requestCallback<_broker_v1_ClusterMapResponse__Output>): grpc.ClientUnaryCall;
  removeMember(argument: _broker_v1_RemoveMemberRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_broker_v1_ClusterMapResponse__Output>): grpc.ClientUnaryCall;
  removeMember(argument: _broker_v1_RemoveMemberRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_broker_v1_ClusterMapResponse__Output>): grpc.ClientUnaryCall;
  removeMember(argument: _broker_v1_RemoveMemberRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_broker_v1_ClusterMapResponse__Output>): grpc.ClientUnaryCall;
  removeMember(argument: _broker_v1_RemoveMemberRequest, callback: grpc.requestCallback<_broker_v1_ClusterMapResponse__Output>): grpc.ClientUnaryCall;
  
  TransferLeadership(argument: _broker_v1_TransferLeadershipRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_broker_v1_GroupStatus__Output>): grpc.ClientUnaryCall;
  TransferLeadership(argument: _broker_v1_TransferLeadershipRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_broker_v1_GroupStatus__Output>): grpc.ClientUnaryCall;
  TransferLeadership(argument: _broker_v1_TransferLeadershipRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_broker_v1_GroupStatus__Output>): grpc.ClientUnaryCall;
  TransferLeadership(argument: _broker_v1_TransferLeadershipRequest, callback: grpc.requestCallback<_broker_v1_GroupStatus__Output>): grpc.ClientUnaryCall;
  transferLeadership(argument: _broker_v1_TransferLeadershipRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_broker_v1_GroupStatus__Output>): grpc.ClientUnaryCall;
  transferLeadership(argument: _broker_v1_TransferLeadershipRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_broker_v1_GroupStatus__Output>): grpc.ClientUnaryCall;
  transferLeadership(argument: _broker_v1_TransferLeadershipRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_broker_v1_GroupStatus__Output>): grpc.ClientUnaryCall;
  transferLeadership(argument: _broker_v1_TransferLeadershipRequest, callback: grpc.requestCallback<_broker_v1_GroupStatus__Output>): grpc.ClientUnaryCall;
  
}

export interface BrokerAdminHandlers extends grpc.UntypedServiceImplementation {
  AddMember: grpc.handleUnaryCall<_broker_v1_AddMemberRequest__Output, _broker_v1_ClusterMapResponse>;
  
  ClusterMap: grpc.handleUnaryCall<_broker_v1_ClusterMapRequest__Output, _broker_v1_ClusterMapResponse>;
  
  CreateStore: grpc.handleUnaryCall<_broker_v1_CreateStoreRequest__Output, _broker_v1_StoreMap>;
  
  DeleteStore: grpc.handleUnaryCall<_broker_v1_DeleteStoreRequest__Output, _broker_v1_ClusterMapResponse>;
  
  DrainMember: grpc.handleUnaryCall<_broker_v1_MemberRequest__Output, _broker_v1_DrainStatus>;
  
  ForceSnapshot: grpc.handleUnaryCall<_broker_v1_GroupRequest__Output, _broker_v1_GroupStatus>;
  
  GetDrainStatus: grpc.handleUnaryCall<_broker_v1_MemberRequest__Output, _broker_v1_DrainStatus>;
  
  GroupStatus: grpc.handleUnaryCall<_broker_v1_GroupRequest__Output, _broker_v1_GroupStatusResponse>;
  
  LoadReport: grpc.handleUnaryCall<_broker_v1_LoadReportRequest__Output, _broker_v1_LoadReport>;
  
  PlacementStatus: grpc.handleUnaryCall<_broker_v1_PlacementStatusRequest__Output, _broker_v1_PlacementStatus>;
  
  PromoteMember: grpc.handleUnaryCall<_broker_v1_MemberRequest__Output, _broker_v1_ClusterMapResponse>;
  
  RemoveMember: grpc.handleUnaryCall<_broker_v1_RemoveMemberRequest__Output, _broker_v1_ClusterMapResponse>;
  
  TransferLeadership: grpc.handleUnaryCall<_broker_v1_TransferLeadershipRequest__Output, _broker_v1_GroupStatus>;
  
}

export interface BrokerAdminDefinition extends grpc.ServiceDefinition {
  AddMember: MethodDefinition<_broker_v1_AddMemberRequest, _broker_v1_ClusterMapResponse, _broker_v1_AddMemberRequest__Output, _broker_v1_ClusterMapResponse__Output>
  ClusterMap: MethodDefinition<_broker_v1_ClusterMapRequest, _broker_v1_ClusterMapResponse, _broker_v1_ClusterMapRequest__Output, _broker_v1_ClusterMapResponse__Output>
  CreateStore: MethodDefinition<_broker_v1_CreateStoreRequest, _broker_v1_StoreMap, _broker_v1_CreateStoreRequest__Output, _broker_v1_StoreMap__Output>
  DeleteStore: MethodDefinition<_broker_v1_DeleteStoreRequest, _broker_v1_ClusterMapResponse, _broker_v1_DeleteStoreRequest__Output, _broker_v1_ClusterMapResponse__Output>
  DrainMember: MethodDefinition<_broker_v1_MemberRequest, _broker_v1_DrainStatus, _broker_v1_MemberRequest__Output, _broker_v1_DrainStatus__Output>
  ForceSnapshot: MethodDefinition<_broker_v1_GroupRequest, _broker_v1_GroupStatus, _broker_v1_GroupRequest__Output, _broker_v1_GroupStatus__Output>
  GetDrainStatus: MethodDefinition<_broker_v1_MemberRequest, _broker_v1_DrainStatus, _broker_v1_MemberRequest__Output, _broker_v1_DrainStatus__Output>
  GroupStatus: MethodDefinition<_broker_v1_GroupRequest, _broker_v1_GroupStatusResponse, _broker_v1_GroupRequest__Output, _broker_v1_GroupStatusResponse__Output>
  LoadReport: MethodDefinition<_broker_v1_LoadReportRequest, _broker_v1_LoadReport, _broker_v1_LoadReportRequest__Output, _broker_v1_LoadReport__Output>
  PlacementStatus: MethodDefinition<_broker_v1_PlacementStatusRequest, _broker_v1_PlacementStatus, _broker_v1_PlacementStatusRequest__Output, _broker_v1_PlacementStatus__Output>
  PromoteMember: MethodDefinition<_broker_v1_MemberRequest, _broker_v1_ClusterMapResponse, _broker_v1_MemberRequest__Output, _broker_v1_ClusterMapResponse__Output>
  RemoveMember: MethodDefinition<_broker_v1_RemoveMemberRequest, _broker_v1_ClusterMapResponse, _broker_v1_RemoveMemberRequest__Output, _broker_v1_ClusterMapResponse__Output>
  TransferLeadership: MethodDefinition<_broker_v1_TransferLeadershipRequest, _broker_v1_GroupStatus, _broker_v1_TransferLeadershipRequest__Output, _broker_v1_GroupStatus__Output>
}
