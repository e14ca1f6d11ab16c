/**
 * One gRPC client (one HTTP/2 connection) per destination member, shared by its Raft stream
 * and its snapshot transfers, re-created when the member's address changes.
 */
import type * as grpc from '@grpc/grpc-js';
import type { BrokerReplicationClient } from '../gen/broker/v1/BrokerReplication.js';
import { loadProtos } from '../transport/proto.js';
import type { PeerDirectory } from './types.js';

/** Largest ReplicationFrame a host sends or accepts (see docs/replication.md). */
export const MAX_FRAME_BYTES = 8 * 1024 * 1024;
/** gRPC message limit for BrokerReplication: a frame plus protobuf overhead. */
export const MAX_GRPC_MESSAGE_BYTES = MAX_FRAME_BYTES + 64 * 1024;

interface Entry {
  readonly address: string;
  readonly client: BrokerReplicationClient;
}

export class ClientPool {
  private readonly clients = new Map<string, Entry>();

  constructor(
    private readonly directory: PeerDirectory,
    private readonly credentials: grpc.ChannelCredentials
  ) {}

  /** The client for `member` at its current address, or undefined when it has none. */
  get(member: string): BrokerReplicationClient | undefined {
    const address = this.directory.address(member);
    const e = this.clients.get(member);
    if (address === undefined) return undefined;
    if (e !== undefined && e.address === address) return e.client;
    e?.client.close();
    const Ctor = loadProtos().broker.v1.BrokerReplication;
    const client = new Ctor(address, this.credentials, {
      'grpc.keepalive_time_ms': 10_000,
      'grpc.keepalive_timeout_ms': 5_000,
      'grpc.keepalive_permit_without_calls': 1,
      'grpc.max_send_message_length': MAX_GRPC_MESSAGE_BYTES,
      'grpc.max_receive_message_length': MAX_GRPC_MESSAGE_BYTES,
      // Our senders reconnect with their own capped, jittered backoff.
      'grpc.initial_reconnect_backoff_ms': 100,
      'grpc.max_reconnect_backoff_ms': 2_000,
    }) as unknown as BrokerReplicationClient;
    this.clients.set(member, { address, client });
    return client;
  }

  close(): void {
    for (const e of this.clients.values()) e.client.close();
    this.clients.clear();
  }
}
