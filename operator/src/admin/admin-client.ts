/**
 * The operator's client of a peer's BrokerAdmin service (proto/broker/v1/admin.proto). It
 * loads the proto files itself and uses only the generated types: the operator never imports
 * node/ internals. Every call has a deadline.
 */
import { createHmac } from 'node:crypto';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import type { ProtoGrpcType as AdminProto } from '../../../node/src/gen/admin.js';
import type { BrokerAdminClient } from '../../../node/src/gen/broker/v1/BrokerAdmin.js';
import type { BrokerStoreClient } from '../../../node/src/gen/broker/v1/BrokerStore.js';
import type { StoreInfo__Output } from '../../../node/src/gen/broker/v1/StoreInfo.js';
import type { ProtoGrpcType as StoreProto } from '../../../node/src/gen/store.js';
import type { ClusterMapResponse__Output } from '../../../node/src/gen/broker/v1/ClusterMapResponse.js';
import type { DrainStatus__Output } from '../../../node/src/gen/broker/v1/DrainStatus.js';
import type { GroupStatus__Output } from '../../../node/src/gen/broker/v1/GroupStatus.js';
import type { GroupStatusResponse__Output } from '../../../node/src/gen/broker/v1/GroupStatusResponse.js';
import type { StoreMap__Output } from '../../../node/src/gen/broker/v1/StoreMap.js';
import { AdminCallError } from './errors.js';

export type ClusterMap = ClusterMapResponse__Output;
export type DrainStatus = DrainStatus__Output;
export type GroupStatus = GroupStatus__Output;
export type GroupStatusResponse = GroupStatusResponse__Output;
export type StoreMap = StoreMap__Output;
/** A store as a peer sees it (BrokerStore.ListStores): its leader as that peer knows it. */
export type StoreInfo = StoreInfo__Output;

/** The id the operator proves in unary calls (docs/security.md's unary scheme). */
export const OPERATOR_PEER_ID = 'broker-operator';

function protoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 8; i++) {
    if (existsSync(join(dir, 'proto', 'broker', 'v1', 'admin.proto'))) return join(dir, 'proto');
    dir = dirname(dir);
  }
  throw new Error('proto/broker/v1/admin.proto not found above ' + fileURLToPath(import.meta.url));
}

let loaded: (AdminProto & StoreProto) | undefined;
function adminProto(): AdminProto & StoreProto {
  loaded ??= grpc.loadPackageDefinition(
    protoLoader.loadSync(['broker/v1/admin.proto', 'broker/v1/store.proto'], {
      keepCase: true,
      longs: String,
      enums: String,
      defaults: true,
      oneofs: true,
      includeDirs: [protoRoot()],
    })
  ) as unknown as AdminProto & StoreProto;
  return loaded;
}

/** The HMAC a peer checks on a unary call (length-prefixed parts, as the peers compute it). */
function unaryMac(secret: Uint8Array, parts: readonly string[]): string {
  const h = createHmac('sha256', secret);
  for (const p of parts) {
    const b = Buffer.from(p, 'utf8');
    const len = Buffer.alloc(4);
    len.writeUInt32BE(b.length);
    h.update(len);
    h.update(b);
  }
  return h.digest('base64');
}

/** Calls of the admin API the reconcile phases use (an interface so pure tests can fake it). */
export interface AdminApi {
  clusterMap(): Promise<ClusterMap>;
  addMember(id: string, address: string): Promise<ClusterMap>;
  promoteMember(id: string): Promise<ClusterMap>;
  removeMember(id: string, force: boolean): Promise<ClusterMap>;
  drainMember(id: string): Promise<DrainStatus>;
  getDrainStatus(id: string): Promise<DrainStatus>;
  transferLeadership(group: string, to: string): Promise<GroupStatus>;
  createStore(name: string, rf: number, maxKeys: number, maxBytes: number): Promise<StoreMap>;
  groupStatus(group: string): Promise<GroupStatusResponse>;
  /** BrokerStore.ListStores: every store with the leader this peer knows ('' if it holds no replica). */
  listStores(): Promise<StoreInfo[]>;
  close(): void;
}

export interface AdminClientOptions {
  /** HOST:PORT of the peer's gRPC listener. */
  readonly address: string;
  /** The peer's member id (the HMAC proof names the callee). */
  readonly serverId: string;
  readonly clusterSecret: Uint8Array | undefined;
  /** Sent as `authorization: Bearer` on every admin call (the peers' --admin-token-file). */
  readonly adminToken?: string;
  /** TLS to the peer (the cluster's TLS Secret); plaintext when undefined. */
  readonly tls?: AdminTls;
  readonly deadlineMs?: number;
}

/** TLS material from the cluster's TLS Secret (tls.crt/tls.key double as a client cert for mTLS). */
export interface AdminTls {
  readonly ca: Buffer | undefined;
  readonly cert: Buffer | undefined;
  readonly key: Buffer | undefined;
  /** The name the peer's certificate is checked against (its pod DNS name), not its IP. */
  readonly serverName: string;
}

/** One peer's BrokerAdmin over gRPC. */
export class AdminClient implements AdminApi {
  private readonly client: BrokerAdminClient;
  /** The same peer's BrokerStore, for ListStores only (the leader of each store). */
  private readonly stores: BrokerStoreClient;
  private readonly deadlineMs: number;

  constructor(private readonly options: AdminClientOptions) {
    const Ctor = adminProto().broker.v1.BrokerAdmin;
    const tls = options.tls;
    const creds =
      tls === undefined
        ? grpc.credentials.createInsecure()
        : grpc.credentials.createSsl(tls.ca ?? null, tls.key ?? null, tls.cert ?? null);
    const channelOptions: grpc.ChannelOptions =
      tls === undefined ? {} : { 'grpc.ssl_target_name_override': tls.serverName };
    this.client = new Ctor(options.address, creds, channelOptions);
    this.stores = new (adminProto().broker.v1.BrokerStore)(options.address, creds, channelOptions);
    this.deadlineMs = options.deadlineMs ?? 5_000;
  }

  private call<Req, Res>(method: string, req: Req): Promise<Res> {
    const md = new grpc.Metadata();
    // On reads too: harmless there, and one rule is simpler than a list of mutating calls.
    if (this.options.adminToken !== undefined)
      md.set('authorization', `Bearer ${this.options.adminToken}`);
    if (this.options.clusterSecret !== undefined) {
      const time = String(Date.now());
      const full = `/broker.v1.BrokerAdmin/${method}`;
      md.set('broker-peer-id', OPERATOR_PEER_ID);
      md.set('broker-peer-time', time);
      md.set(
        'broker-peer-mac',
        unaryMac(this.options.clusterSecret, [
          'broker-peer-unary-v1',
          OPERATOR_PEER_ID,
          this.options.serverId,
          full,
          time,
        ])
      );
    }
    const fn = (this.client as unknown as Record<string, unknown>)[method] as (
      req: Req,
      md: grpc.Metadata,
      opts: grpc.CallOptions,
      cb: (err: grpc.ServiceError | null, res?: Res) => void
    ) => void;
    return new Promise((resolve, reject) => {
      fn.call(this.client, req, md, { deadline: Date.now() + this.deadlineMs }, (err, res) => {
        if (err !== null || res === undefined) {
          reject(
            new AdminCallError(
              method,
              this.options.address,
              err?.code ?? grpc.status.UNKNOWN,
              err?.details ?? 'no response',
              { cause: err }
            )
          );
        } else resolve(res);
      });
    });
  }

  clusterMap(): Promise<ClusterMap> {
    return this.call('ClusterMap', {});
  }
  addMember(id: string, address: string): Promise<ClusterMap> {
    return this.call('AddMember', { id, address });
  }
  promoteMember(id: string): Promise<ClusterMap> {
    return this.call('PromoteMember', { id });
  }
  removeMember(id: string, force: boolean): Promise<ClusterMap> {
    return this.call('RemoveMember', { id, force });
  }
  drainMember(id: string): Promise<DrainStatus> {
    return this.call('DrainMember', { id });
  }
  getDrainStatus(id: string): Promise<DrainStatus> {
    return this.call('GetDrainStatus', { id });
  }
  transferLeadership(group: string, to: string): Promise<GroupStatus> {
    return this.call('TransferLeadership', { group, to });
  }
  createStore(name: string, rf: number, maxKeys: number, maxBytes: number): Promise<StoreMap> {
    return this.call('CreateStore', {
      name,
      replication_factor: rf,
      options: { max_keys: maxKeys, max_bytes: maxBytes },
    });
  }
  groupStatus(group: string): Promise<GroupStatusResponse> {
    return this.call('GroupStatus', { group });
  }
  listStores(): Promise<StoreInfo[]> {
    // A read of the client API: no proof, no token (any client may list the stores).
    return new Promise((resolve, reject) => {
      this.stores.ListStores({}, { deadline: Date.now() + this.deadlineMs }, (err, res) => {
        if (err !== null || res === undefined) {
          reject(
            new AdminCallError(
              'ListStores',
              this.options.address,
              err?.code ?? grpc.status.UNKNOWN,
              err?.details ?? 'no response',
              { cause: err }
            )
          );
        } else resolve(res.stores);
      });
    });
  }
  close(): void {
    this.client.close();
    this.stores.close();
  }
}

/** Whether an error means the peer has no BrokerAdmin service (a node built before it). */
export function isUnimplemented(err: unknown): boolean {
  return err instanceof AdminCallError && err.code === grpc.status.UNIMPLEMENTED;
}
