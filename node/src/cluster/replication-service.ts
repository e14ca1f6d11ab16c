/**
 * The BrokerReplication service: the replica host's Raft and InstallSnapshot streams, plus
 * Discover and Join, whose callers prove their ids with the unary proof (docs/security.md).
 */
import * as grpc from '@grpc/grpc-js';
import type { BrokerReplicationHandlers } from '../gen/broker/v1/BrokerReplication.js';
import type { DiscoverRequest__Output } from '../gen/broker/v1/DiscoverRequest.js';
import type { DiscoverResponse } from '../gen/broker/v1/DiscoverResponse.js';
import type { JoinRequest__Output } from '../gen/broker/v1/JoinRequest.js';
import type { JoinResponse } from '../gen/broker/v1/JoinResponse.js';
import { peerAuth } from '../transport/index.js';
import { type ClusterManager, META_GROUP } from './cluster-manager.js';
import { ClusterRequestError, toGrpcError } from './errors.js';
import { MEMBER_ID_RE, checkAddress, parseReplicaId } from './map/index.js';
import { FORWARDED_HEADER, unary } from './peer-calls.js';

export class ReplicationService {
  constructor(
    private readonly cluster: ClusterManager,
    private readonly secret: Uint8Array | undefined
  ) {}

  handlers(): BrokerReplicationHandlers {
    const streams = this.cluster.replicaHost.grpcHandlers();
    return {
      Raft: streams.Raft,
      InstallSnapshot: streams.InstallSnapshot,
      Discover: (call, cb) => {
        try {
          this.prove(call.metadata, 'Discover');
          cb(null, this.discover(call.request));
        } catch (e) {
          cb(toGrpcError(e));
        }
      },
      Join: (call, cb) => {
        let caller: string;
        try {
          caller = this.prove(call.metadata, 'Join');
        } catch (e) {
          cb(toGrpcError(e));
          return;
        }
        this.join(call.request, caller, call.metadata).then(
          (r) => cb(null, r),
          (e: unknown) => cb(toGrpcError(e))
        );
      },
    } as BrokerReplicationHandlers;
  }

  /** The proven caller id; throws UNAUTHENTICATED otherwise. */
  private prove(md: grpc.Metadata, method: string): string {
    if (this.secret === undefined)
      throw new ClusterRequestError(grpc.status.UNAUTHENTICATED, 'this peer has no cluster secret');
    const get = (k: string): string | undefined => {
      const v = md.get(k)[0];
      return typeof v === 'string' ? v : undefined;
    };
    const proof = {
      id: get(peerAuth.PEER_ID_HEADER),
      time: get(peerAuth.PEER_TIME_HEADER),
      mac: get(peerAuth.PEER_MAC_HEADER),
    };
    // Discover is addressed to this peer's id; Join may be relayed, so it is bound to no id.
    const serverId = method === 'Join' ? '' : this.cluster.id;
    const why = peerAuth.checkUnary(this.secret, serverId, method, Date.now(), proof);
    if (why !== undefined)
      throw new ClusterRequestError(grpc.status.UNAUTHENTICATED, `peer proof refused: ${why}`);
    return proof.id!;
  }

  private discover(req: DiscoverRequest__Output): DiscoverResponse {
    const state = this.cluster.discoverState();
    const m = MEMBER_ID_RE.test(req.peer_id) ? this.cluster.map.member(req.peer_id) : undefined;
    let leader = '';
    if (this.cluster.replicaHost.hasGroup(META_GROUP)) {
      const l = this.cluster.replicaHost.status(META_GROUP).leader;
      if (l) leader = parseReplicaId(l).memberId;
    }
    return {
      state,
      cluster_id: this.cluster.map.state.clusterId,
      meta_leader: leader,
      generation: m?.generation ?? 0,
      member: m !== undefined,
    };
  }

  private async join(
    req: JoinRequest__Output,
    caller: string,
    md: grpc.Metadata
  ): Promise<JoinResponse> {
    if (!MEMBER_ID_RE.test(req.peer_id))
      throw new ClusterRequestError(grpc.status.INVALID_ARGUMENT, 'peer_id: not a member id');
    try {
      checkAddress(req.address, 'address');
    } catch (e) {
      throw new ClusterRequestError(grpc.status.INVALID_ARGUMENT, (e as Error).message);
    }
    const relayed = md.get(FORWARDED_HEADER).length > 0;
    // A peer joins for itself; only a member relaying a Join may speak for another id.
    if (req.peer_id !== caller && (!relayed || this.cluster.map.member(caller) === undefined))
      throw new ClusterRequestError(
        grpc.status.PERMISSION_DENIED,
        `${caller} may not join as ${req.peer_id}`
      );
    if (this.cluster.phase !== 'running')
      throw new ClusterRequestError(
        grpc.status.UNAVAILABLE,
        `this peer is ${this.cluster.describe()}`
      );
    if (this.cluster.isLeader(META_GROUP)) {
      const r = await this.cluster.admit(req.peer_id, req.address, req.empty);
      return {
        cluster_id: this.cluster.map.state.clusterId,
        generation: r.generation,
        admitted: r.admitted,
        reason: r.reason,
      };
    }
    if (relayed)
      throw new ClusterRequestError(
        grpc.status.UNAVAILABLE,
        'not the meta leader (relayed already)'
      );
    const l = this.cluster.replicaHost.status(META_GROUP).leader;
    const leaderId = l ? parseReplicaId(l).memberId : undefined;
    const address = leaderId !== undefined ? this.cluster.addressOf(leaderId) : undefined;
    if (address === undefined)
      throw new ClusterRequestError(
        grpc.status.UNAVAILABLE,
        'the meta group has no leader right now'
      );
    const client = this.cluster.calls.replication(address);
    const fwd = this.cluster.calls.proofMetadata('', 'Join');
    fwd.set(FORWARDED_HEADER, this.cluster.id);
    return unary(client.Join, client, req, fwd, 10_000) as Promise<JoinResponse>;
  }
}
