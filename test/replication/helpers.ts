/**
 * A small cluster of in-process ReplicaHosts for the engine's tests: each host has its own
 * WAL in a temp dir and its own gRPC server on loopback, and they talk over real
 * BrokerReplication streams. The state machine is a counter plus a string register.
 */
import { EventEmitter } from 'node:events';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import type { Logger } from '../../node/src/config/logger.js';
import {
  MAX_GRPC_MESSAGE_BYTES,
  ReplicaHost,
  type ConfState,
  type DropReason,
  type GroupStateMachine,
  type ReplicaHostOptions,
  type ReplicationObserver,
} from '../../node/src/replication/index.js';
import { loadProtos } from '../../node/src/transport/proto.js';

const enc = new TextEncoder();
const dec = new TextDecoder();

/** Commands of the test state machine. */
export type Command = { op: 'add'; n: number } | { op: 'set'; key: string; value: string };

export function cmd(c: Command): Uint8Array {
  return enc.encode(JSON.stringify(c));
}

/** A counter and a register; apply() returns the counter after the command. */
export class CounterSM implements GroupStateMachine {
  total = 0;
  values = new Map<string, string>();
  lastApplied = 0;
  /** Indexes passed to apply(), to check exactly-once and in order. */
  readonly appliedIndexes: number[] = [];
  readonly restores: number[] = [];
  confState: ConfState | undefined;

  constructor(private readonly events: EventEmitter) {}

  apply(index: number, data: Uint8Array): unknown {
    if (index <= this.lastApplied) throw new Error(`apply(${index}) after ${this.lastApplied}`);
    this.lastApplied = index;
    this.appliedIndexes.push(index);
    const c = JSON.parse(dec.decode(data)) as Command;
    if (c.op === 'add') this.total += c.n;
    else this.values.set(c.key, c.value);
    this.events.emit('change');
    return this.total;
  }

  snapshot(): Uint8Array {
    return enc.encode(
      JSON.stringify({ total: this.total, values: [...this.values], at: this.lastApplied })
    );
  }

  restore(index: number, data: Uint8Array): void {
    const s = JSON.parse(dec.decode(data)) as { total: number; values: [string, string][] };
    this.total = s.total;
    this.values = new Map(s.values);
    this.lastApplied = index;
    this.restores.push(index);
    this.events.emit('change');
  }

  onConfState(cs: ConfState): void {
    this.confState = cs;
    this.events.emit('change');
  }
}

/** Collects observer callbacks for assertions. */
export class Recorder implements ReplicationObserver {
  readonly drops = new Map<DropReason, number>();
  readonly progress: { group: string; bytes: number; total: number }[] = [];
  readonly resumed: { group: string; offset: number; total: number }[] = [];
  readonly broken: { group: string; reason: string }[] = [];
  readonly failedTransfers: { group: string; to: string; reason: string }[] = [];
  readonly rebuilt: { group: string; index: number }[] = [];
  snapshotBytesSent = 0;
  snapshotBytesReceived = 0;

  constructor(private readonly events: EventEmitter) {}

  dropped(reason: DropReason, count: number): void {
    this.drops.set(reason, (this.drops.get(reason) ?? 0) + count);
    this.events.emit('change');
  }
  snapshotProgress(group: string, bytes: number, total: number): void {
    this.progress.push({ group, bytes, total });
    this.events.emit('change');
  }
  snapshotResumed(group: string, _to: string, offset: number, total: number): void {
    this.resumed.push({ group, offset, total });
    this.events.emit('change');
  }
  snapshotSent(_group: string, bytes: number): void {
    this.snapshotBytesSent += bytes;
    this.events.emit('change');
  }
  snapshotReceived(_group: string, bytes: number): void {
    this.snapshotBytesReceived += bytes;
    this.events.emit('change');
  }
  snapshotFailed(group: string, to: string, reason: string): void {
    this.failedTransfers.push({ group, to, reason });
    this.events.emit('change');
  }
  leaderChange(): void {
    this.events.emit('change');
  }
  brokenReplica(group: string, reason: string): void {
    this.broken.push({ group, reason });
    this.events.emit('change');
  }
  replicaRebuilt(group: string, index: number): void {
    this.rebuilt.push({ group, index });
    this.events.emit('change');
  }
}

export const quietLogger: Logger = {
  log: (level, msg, fields) => {
    if (process.env.REPLICATION_TEST_LOG === '1' || level === 'error') {
      process.stderr.write(`${level} ${msg} ${JSON.stringify(fields ?? {})}\n`);
    }
  },
};

export interface TestMember {
  readonly id: string;
  readonly host: ReplicaHost;
  readonly server: grpc.Server;
  readonly recorder: Recorder;
  readonly sms: Map<string, CounterSM>;
}

/** A cluster of hosts on loopback. Call `shutdown()` in afterEach. */
export class TestCluster {
  readonly events = new EventEmitter();
  readonly secret = randomBytes(32);
  readonly addresses = new Map<string, string>();
  readonly members = new Map<string, TestMember>();
  private readonly dataDirs = new Map<string, string>();
  /** Blocked directed links "from>to". */
  private readonly blockedLinks = new Set<string>();
  private readonly tmpDirs: string[] = [];

  constructor(private readonly defaults: Partial<ReplicaHostOptions> = {}) {
    this.events.setMaxListeners(1000);
  }

  member(id: string): TestMember {
    const m = this.members.get(id);
    if (m === undefined) throw new Error(`no member ${id}`);
    return m;
  }

  sm(id: string, group: string): CounterSM {
    const s = this.member(id).sms.get(group);
    if (s === undefined) throw new Error(`no state machine for ${group} on ${id}`);
    return s;
  }

  /** Blocks traffic between a and b in both directions (Raft and snapshots). */
  block(a: string, b: string): void {
    this.blockedLinks.add(`${a}>${b}`);
    this.blockedLinks.add(`${b}>${a}`);
  }

  unblock(a: string, b: string): void {
    this.blockedLinks.delete(`${a}>${b}`);
    this.blockedLinks.delete(`${b}>${a}`);
    this.events.emit('change');
  }

  async dataDir(id: string): Promise<string> {
    let d = this.dataDirs.get(id);
    if (d === undefined) {
      d = await mkdtemp(join(tmpdir(), `bc-repl-${id}-`));
      this.tmpDirs.push(d);
      this.dataDirs.set(id, d);
    }
    return d;
  }

  /** Starts (or restarts, from its data dir) member `id`. */
  async start(id: string, extra: Partial<ReplicaHostOptions> = {}): Promise<TestMember> {
    const recorder = new Recorder(this.events);
    const host = await ReplicaHost.open({
      memberId: id,
      dataDir: await this.dataDir(id),
      tickMs: 20,
      electionTicks: 10,
      heartbeatTicks: 1,
      secret: this.secret,
      channelCredentials: grpc.credentials.createInsecure(),
      directory: { address: (m) => this.addresses.get(m) },
      linkFilter: {
        blocked: (m) => this.blockedLinks.has(`${id}>${m}`) || this.blockedLinks.has(`${m}>${id}`),
      },
      log: quietLogger,
      observer: recorder,
      ...this.defaults,
      ...extra,
    } as ReplicaHostOptions);
    const server = new grpc.Server({
      'grpc.max_receive_message_length': MAX_GRPC_MESSAGE_BYTES,
      'grpc.max_send_message_length': MAX_GRPC_MESSAGE_BYTES,
    });
    const unimplemented = (_call: unknown, cb: grpc.sendUnaryData<never>): void =>
      cb({ code: grpc.status.UNIMPLEMENTED, details: 'not in this test' });
    server.addService(loadProtos().broker.v1.BrokerReplication.service, {
      ...host.grpcHandlers(),
      Discover: unimplemented,
      Join: unimplemented,
    });
    const port = await new Promise<number>((resolve, reject) =>
      server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, p) =>
        err ? reject(err) : resolve(p)
      )
    );
    this.addresses.set(id, `127.0.0.1:${port}`);
    const m: TestMember = { id, host, server, recorder, sms: new Map() };
    this.members.set(id, m);
    return m;
  }

  /** Opens `group` on member `id` with a fresh state machine. */
  open(
    id: string,
    group: string,
    o?: { bootstrap?: { voters: string[]; learners?: string[] } }
  ): CounterSM {
    const m = this.member(id);
    const sm = new CounterSM(this.events);
    m.sms.set(group, sm);
    m.host.openGroup(group, id, sm, o);
    return sm;
  }

  /** Stops member `id` (host closed, server shut down); its data dir stays. */
  async stop(id: string): Promise<void> {
    const m = this.members.get(id);
    if (m === undefined) return;
    this.members.delete(id);
    this.addresses.delete(id);
    await m.host.close();
    m.server.forceShutdown();
    this.events.emit('change');
  }

  async shutdown(): Promise<void> {
    for (const id of [...this.members.keys()]) await this.stop(id);
    for (const d of this.tmpDirs.splice(0)) await rm(d, { recursive: true, force: true });
  }

  /**
   * Resolves once `cond()` holds. Re-checked on every state-machine and observer event, and
   * every 100 ms for status fields that change without one. Rejects after `timeoutMs`.
   */
  waitFor(what: string, cond: () => boolean, timeoutMs = 20_000): Promise<void> {
    return new Promise((resolve, reject) => {
      const check = (): void => {
        let ok = false;
        try {
          ok = cond();
        } catch {
          ok = false;
        }
        if (ok) {
          cleanup();
          resolve();
        }
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`));
      }, timeoutMs);
      const poll = setInterval(check, 100);
      const cleanup = (): void => {
        clearTimeout(timer);
        clearInterval(poll);
        this.events.off('change', check);
      };
      this.events.on('change', check);
      check();
    });
  }

  /** The member whose replica of `group` is leader, once exactly one of the running ones is. */
  async leaderOf(group: string, timeoutMs = 20_000): Promise<string> {
    let leader: string | undefined;
    await this.waitFor(
      `a leader of ${group}`,
      () => {
        const leaders = [...this.members.values()].filter(
          (m) => m.host.hasGroup(group) && m.host.status(group).role === 'leader'
        );
        leader = leaders.length === 1 ? leaders[0]?.id : undefined;
        return leader !== undefined;
      },
      timeoutMs
    );
    return leader as string;
  }

  /** Proposes on the current leader, retrying NotLeader / rejected until `timeoutMs`. */
  async write(
    group: string,
    c: Command,
    timeoutMs = 20_000
  ): Promise<{ index: number; result: unknown }> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const leader = await this.leaderOf(group, Math.max(1, deadline - Date.now()));
      try {
        return await this.member(leader).host.propose(group, cmd(c), { timeoutMs: 5_000 });
      } catch (e) {
        const name = (e as Error).name;
        if (
          Date.now() > deadline ||
          ![
            'NotLeaderError',
            'ProposalRejectedError',
            'GroupClosedError',
            'ReplicaBusyError',
          ].includes(name)
        )
          throw e;
        await new Promise((r) => this.events.once('change', r));
      }
    }
  }
}
