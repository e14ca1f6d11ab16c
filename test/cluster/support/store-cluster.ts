import { mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, type NodeProcess, spawnNode } from '../../../node/src/dev/index.js';
import type { BrokerAdminClient } from '../../../node/src/gen/broker/v1/BrokerAdmin.js';
import type { BrokerStoreClient } from '../../../node/src/gen/broker/v1/BrokerStore.js';
import type { GroupStatus__Output } from '../../../node/src/gen/broker/v1/GroupStatus.js';
import {
  adminClient,
  describeError,
  get,
  groupStatus,
  listStores,
  storeClient,
} from './store-ops.js';
import { waitFor } from './wait-for.js';

/**
 * A store cluster of real broker-node processes on loopback, each with its own data
 * directory and fault file, on fixed ports so that a restarted peer comes back at the same
 * address. The peers list is the same for all; its first 3 (or 5) ids are the meta group's
 * voters and bootstrap the cluster. The harness changes processes and fault files only;
 * every observation goes through the public gRPC and HTTP contract.
 */

/** At least 16 bytes, the same for every peer (--cluster-secret). */
const CLUSTER_SECRET = 'store-cluster-test-secret-0123456789';

/** How long one admin or probe call may take before the peer counts as not answering. */
const PROBE_TIMEOUT_MS = 2_000;

export interface StoreClusterOptions {
  readonly ids: readonly string[];
  /** Stores declared with --stores (created once the cluster formed). */
  readonly stores: readonly string[];
  /** More broker-node flags for every peer. */
  readonly extraArgs?: readonly string[];
  /** Echo every peer's stderr (debugging). */
  readonly echo?: boolean;
  readonly startTimeoutMs?: number;
}

/** One peer of the cluster. */
export interface StorePeer {
  readonly id: string;
  readonly grpcPort: number;
  readonly httpPort: number;
  /** HOST:PORT of its gRPC listener. */
  readonly address: string;
  readonly dataDir: string;
  readonly faultFile: string;
  /** The running process; undefined while it is down (killed, or being wiped). */
  process: NodeProcess | undefined;
  /** SIGSTOPped and not yet SIGCONTed. Invariant: paused implies process !== undefined. */
  paused: boolean;
  /** Ids whose replication traffic this peer drops (what its fault file says). */
  blocked: readonly string[];
}

export class StoreCluster {
  readonly peers: readonly StorePeer[];
  private readonly admins = new Map<string, BrokerAdminClient>();
  private readonly stores = new Map<string, BrokerStoreClient>();

  private constructor(
    readonly root: string,
    peers: StorePeer[],
    private readonly peerList: string,
    private readonly options: StoreClusterOptions
  ) {
    this.peers = peers;
  }

  /** Starts every peer (in parallel) and resolves once each is listening. */
  static async start(o: StoreClusterOptions): Promise<StoreCluster> {
    if (o.ids.length < 3) throw new Error('a store cluster needs at least 3 peers');
    const root = mkdtempSync(join(tmpdir(), 'broker-store-cluster-'));
    const peers: StorePeer[] = [];
    for (const id of o.ids) {
      const grpcPort = await freePort();
      const httpPort = await freePort();
      const dataDir = join(root, id, 'data');
      mkdirSync(dataDir, { recursive: true });
      peers.push({
        id,
        grpcPort,
        httpPort,
        address: `127.0.0.1:${grpcPort}`,
        dataDir,
        faultFile: join(root, id, 'faults.json'),
        process: undefined,
        paused: false,
        blocked: [],
      });
    }
    const list = peers.map((p) => `${p.id}=${p.address}`).join(',');
    const cluster = new StoreCluster(root, peers, list, o);
    try {
      for (const p of peers) cluster.writeFaults(p, []);
      await Promise.all(peers.map((p) => cluster.startPeer(p.id)));
    } catch (e) {
      await cluster.stop();
      throw e;
    }
    return cluster;
  }

  peer(id: string): StorePeer {
    const p = this.peers.find((x) => x.id === id);
    if (p === undefined) throw new Error(`no peer ${id}`);
    return p;
  }

  /** Running and not paused. */
  isUp(id: string): boolean {
    const p = this.peer(id);
    return p.process !== undefined && !p.paused;
  }

  /** A shared admin client for the harness itself (workload clients make their own). */
  admin(id: string): BrokerAdminClient {
    let c = this.admins.get(id);
    if (c === undefined) this.admins.set(id, (c = adminClient(this.peer(id).address)));
    return c;
  }

  /** A shared store client for the harness itself. */
  store(id: string): BrokerStoreClient {
    let c = this.stores.get(id);
    if (c === undefined) this.stores.set(id, (c = storeClient(this.peer(id).address)));
    return c;
  }

  /** Starts a peer that is down, with the same id, ports and flags. */
  async startPeer(id: string): Promise<void> {
    const p = this.peer(id);
    if (p.process !== undefined) throw new Error(`peer ${id} is already running`);
    p.process = await spawnNode({
      id,
      args: [
        '--listen',
        p.address,
        '--http',
        `127.0.0.1:${p.httpPort}`,
        '--peers',
        this.peerList,
        '--data-dir',
        p.dataDir,
        '--cluster-secret',
        CLUSTER_SECRET,
        '--fault-file',
        p.faultFile,
        ...(this.options.stores.length > 0 ? ['--stores', this.options.stores.join(',')] : []),
        ...(this.options.extraArgs ?? []),
      ],
      startTimeoutMs: this.options.startTimeoutMs ?? 30_000,
      ...(this.options.echo !== undefined ? { echo: this.options.echo } : {}),
    });
    p.paused = false;
  }

  /** SIGKILL (no cleanup, nothing flushed); resolves once the process is gone. */
  async kill(id: string): Promise<void> {
    const p = this.peer(id);
    const proc = p.process;
    if (proc === undefined) return;
    // A stopped process dies of SIGKILL too, but continue it so no state is left behind.
    if (p.paused) proc.child.kill('SIGCONT');
    await proc.kill();
    p.process = undefined;
    p.paused = false;
  }

  pause(id: string): void {
    const p = this.peer(id);
    if (p.process === undefined || p.paused) return;
    p.process.child.kill('SIGSTOP');
    p.paused = true;
  }

  resume(id: string): void {
    const p = this.peer(id);
    if (p.process === undefined || !p.paused) return;
    p.process.child.kill('SIGCONT');
    p.paused = false;
  }

  /** Kills the peer, deletes its data directory and starts it again empty (same id). */
  async wipe(id: string): Promise<void> {
    await this.kill(id);
    const p = this.peer(id);
    rmSync(p.dataDir, { recursive: true, force: true });
    mkdirSync(p.dataDir, { recursive: true });
    await this.startPeer(id);
  }

  /**
   * Makes `id` drop replication traffic to and from each of `blocked` (its own side only; see
   * partition for both sides). The file is replaced atomically so the node never reads half.
   */
  block(id: string, blocked: readonly string[]): void {
    this.writeFaults(this.peer(id), blocked);
  }

  /** Cuts the cluster into `sides` (every id in exactly one): each peer blocks the others' ids. */
  partition(sides: ReadonlyArray<readonly string[]>): void {
    const all = sides.flat();
    if (new Set(all).size !== all.length || all.length !== this.peers.length) {
      throw new Error(`partition ${JSON.stringify(sides)} does not split the peers exactly`);
    }
    for (const side of sides) {
      for (const id of side)
        this.block(
          id,
          all.filter((x) => !side.includes(x))
        );
    }
  }

  /** Clears every fault file, continues paused peers and starts those that are down. */
  async heal(): Promise<void> {
    for (const p of this.peers) {
      if (p.blocked.length > 0) this.writeFaults(p, []);
      this.resume(p.id);
    }
    await Promise.all(
      this.peers.filter((p) => p.process === undefined).map((p) => this.startPeer(p.id))
    );
  }

  /** Every up peer's status of `group` (a store name or group id), where it hosts one. */
  async groupStatuses(
    group: string
  ): Promise<Array<{ peer: string; status: GroupStatus__Output }>> {
    const up = this.peers.filter((p) => this.isUp(p.id));
    const answers = await Promise.all(
      up.map(async (p) => ({
        peer: p.id,
        r: await groupStatus(this.admin(p.id), group, PROBE_TIMEOUT_MS),
      }))
    );
    const out: Array<{ peer: string; status: GroupStatus__Output }> = [];
    for (const a of answers) {
      if (!a.r.ok) continue;
      for (const g of a.r.value.groups) {
        if (g.group === group || g.store === group) out.push({ peer: a.peer, status: g });
      }
    }
    return out;
  }

  /** The member id that leads `group` in the highest term any up peer reports, if any. */
  async leader(group: string): Promise<string | undefined> {
    let best: { id: string; term: number } | undefined;
    for (const { peer, status } of await this.groupStatuses(group)) {
      const term = Number(status.term);
      if (status.role === 'leader' && (best === undefined || term > best.term)) {
        best = { id: peer, term };
      }
    }
    return best?.id;
  }

  /** The member ids holding a replica of `store`, as the first peer that answers says. */
  async replicas(store: string): Promise<string[]> {
    for (const p of this.peers) {
      if (!this.isUp(p.id)) continue;
      const r = await listStores(this.store(p.id), PROBE_TIMEOUT_MS);
      if (!r.ok) continue;
      const s = r.value.stores.find((x) => x.name === store);
      if (s !== undefined && s.replicas.length > 0) return [...s.replicas];
    }
    throw new Error(`no peer could list the replicas of store ${store}`);
  }

  /**
   * Waits until the whole cluster is healthy: every peer up and /readyz, every store with a
   * leader, each of its replicas caught up to the commit index the leader reported (so a
   * wiped peer has been restored), and a linearizable read answered through every peer (so
   * forwarding works from each). Throws naming what was still missing.
   */
  async waitHealthy(stores: readonly string[], timeoutMs: number): Promise<void> {
    const missing: string[] = [];
    await waitFor(
      async () => {
        missing.length = 0;
        for (const p of this.peers) {
          if (!this.isUp(p.id)) missing.push(`${p.id} is down or paused`);
        }
        if (missing.length > 0) return false;
        for (const p of this.peers) {
          if (!(await this.ready(p))) missing.push(`${p.id} /readyz`);
        }
        for (const store of stores) {
          const statuses = await this.groupStatuses(store);
          const lead = statuses
            .filter((s) => s.status.role === 'leader')
            .sort((a, b) => Number(b.status.term) - Number(a.status.term))[0];
          if (lead === undefined) {
            missing.push(`a leader of ${store}`);
            continue;
          }
          const commit = BigInt(lead.status.commit_index);
          for (const id of await this.replicas(store)) {
            const s = statuses.find((x) => x.peer === id);
            if (s === undefined) missing.push(`${id}'s replica of ${store}`);
            else if (s.status.broken) missing.push(`${id}'s replica of ${store} is broken`);
            else if (BigInt(s.status.applied_index) < commit) {
              missing.push(
                `${id}'s replica of ${store} at ${s.status.applied_index} < commit ${commit}`
              );
            }
          }
          for (const p of this.peers) {
            const r = await get(this.store(p.id), store, '__health__', PROBE_TIMEOUT_MS);
            if (!r.ok)
              missing.push(`a read of ${store} through ${p.id}: ${describeError(r.error)}`);
          }
        }
        return missing.length === 0;
      },
      'a healthy store cluster',
      timeoutMs,
      200
    ).catch((e: unknown) => {
      throw new Error(`${String(e)}; still missing: ${missing.join('; ')}`, { cause: e });
    });
  }

  /** The newest stderr lines of every peer, for failure reports. */
  logs(lines = 40): string {
    return this.peers
      .map((p) => `--- ${p.id}\n${(p.process?.logs ?? []).slice(-lines).join('\n')}`)
      .join('\n');
  }

  /** Continues paused peers, SIGTERMs all, closes the harness clients, removes the files. */
  async stop(): Promise<void> {
    for (const c of [...this.admins.values(), ...this.stores.values()]) c.close();
    this.admins.clear();
    this.stores.clear();
    for (const p of this.peers) this.resume(p.id);
    await Promise.all(this.peers.map((p) => p.process?.stop(10_000)));
    for (const p of this.peers) p.process = undefined;
    rmSync(this.root, { recursive: true, force: true });
  }

  private async ready(p: StorePeer): Promise<boolean> {
    try {
      const r = await fetch(`http://127.0.0.1:${p.httpPort}/readyz`, {
        signal: AbortSignal.timeout(PROBE_TIMEOUT_MS),
      });
      await r.arrayBuffer();
      return r.status === 200;
    } catch {
      return false;
    }
  }

  private writeFaults(p: StorePeer, blocked: readonly string[]): void {
    const tmp = `${p.faultFile}.tmp`;
    writeFileSync(tmp, JSON.stringify({ blocked }) + '\n');
    renameSync(tmp, p.faultFile);
    p.blocked = [...blocked];
  }
}
