/**
 * gRPC clients for the other members: store and admin requests forwarded to a leader, and
 * the replication service's unary calls (Discover, Join) with a proof of this peer's id.
 * One client per service per address, created on first use and closed with the manager.
 */
import * as grpc from '@grpc/grpc-js';
import type { BrokerAdminClient } from '../gen/broker/v1/BrokerAdmin.js';
import type { BrokerReplicationClient } from '../gen/broker/v1/BrokerReplication.js';
import type { BrokerStoreClient } from '../gen/broker/v1/BrokerStore.js';
import { loadProtos, peerAuth } from '../transport/index.js';

/** Metadata a forwarding peer sets, so the receiver never forwards the request again. */
export const FORWARDED_HEADER = 'broker-forwarded';

const CHANNEL_OPTIONS: grpc.ChannelOptions = {
  'grpc.keepalive_time_ms': 10_000,
  'grpc.keepalive_timeout_ms': 5_000,
  'grpc.keepalive_permit_without_calls': 1,
  'grpc.initial_reconnect_backoff_ms': 100,
  'grpc.max_reconnect_backoff_ms': 2_000,
  'grpc.max_receive_message_length': 256 * 1024 * 1024,
  'grpc.max_send_message_length': 256 * 1024 * 1024,
};

interface Clients {
  store: BrokerStoreClient;
  admin: BrokerAdminClient;
  replication: BrokerReplicationClient;
}

export class PeerCalls {
  private readonly byAddress = new Map<string, Clients>();

  constructor(
    private readonly selfId: string,
    private readonly secret: Uint8Array | undefined,
    private readonly credentials: grpc.ChannelCredentials
  ) {}

  private clients(address: string): Clients {
    let c = this.byAddress.get(address);
    if (c === undefined) {
      const v1 = loadProtos().broker.v1;
      c = {
        store: new v1.BrokerStore(address, this.credentials, CHANNEL_OPTIONS),
        admin: new v1.BrokerAdmin(address, this.credentials, CHANNEL_OPTIONS),
        replication: new v1.BrokerReplication(address, this.credentials, CHANNEL_OPTIONS),
      };
      this.byAddress.set(address, c);
    }
    return c;
  }

  store(address: string): BrokerStoreClient {
    return this.clients(address).store;
  }

  admin(address: string): BrokerAdminClient {
    return this.clients(address).admin;
  }

  replication(address: string): BrokerReplicationClient {
    return this.clients(address).replication;
  }

  /** Metadata for a forwarded store or admin request. */
  forwardMetadata(): grpc.Metadata {
    const md = new grpc.Metadata();
    md.set(FORWARDED_HEADER, this.selfId);
    return md;
  }

  /** Metadata proving this peer's id for a unary replication call to `serverId`. */
  proofMetadata(serverId: string, method: string): grpc.Metadata {
    const md = new grpc.Metadata();
    if (this.secret === undefined) return md;
    const p = peerAuth.proveUnary(this.secret, this.selfId, serverId, method, Date.now());
    md.set(peerAuth.PEER_ID_HEADER, p.id);
    md.set(peerAuth.PEER_TIME_HEADER, p.time);
    md.set(peerAuth.PEER_MAC_HEADER, p.mac);
    return md;
  }

  close(): void {
    for (const c of this.byAddress.values()) {
      c.store.close();
      c.admin.close();
      c.replication.close();
    }
    this.byAddress.clear();
  }
}

/** Promise form of a unary call with a deadline. */
export function unary<Req, Res>(
  fn: (
    req: Req,
    md: grpc.Metadata,
    opts: grpc.CallOptions,
    cb: (err: grpc.ServiceError | null, res?: Res) => void
  ) => unknown,
  self: unknown,
  req: Req,
  md: grpc.Metadata,
  timeoutMs: number
): Promise<Res> {
  return new Promise((resolve, reject) => {
    fn.call(self, req, md, { deadline: Date.now() + timeoutMs }, (err, res) => {
      if (err) reject(err);
      else resolve(res as Res);
    });
  });
}
