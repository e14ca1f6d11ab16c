import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type {
  DropReason,
  GroupStatusView,
  ProposalOutcome,
  ReplicationObserver,
} from '../replication/index.js';

/** The label of a group: its store's name, or `meta` (bounded by the number of stores). */
export function storeLabel(group: string): string {
  const m = /^s-(.+)-\d+$/.exec(group);
  return m === null ? group : m[1]!;
}

/** Live values read at scrape time. */
export interface StoreGaugeSources {
  /** Every local group's status. */
  groups(): readonly GroupStatusView[];
  /** Keys and bytes of a local store replica. */
  storeSize(store: string): { keys: number; bytes: number } | undefined;
}

/**
 * Metrics of the replicated stores (prefix `broker_store_` and `broker_raft_`), fed by the
 * replica host's observer hooks and, at scrape time, by the groups' status.
 */
export class StoreMetrics implements ReplicationObserver {
  private readonly proposals: Counter<'store' | 'outcome'>;
  private readonly applySeconds: Histogram<'store'>;
  private readonly fsyncSeconds: Histogram;
  private readonly snapshotSentBytes: Counter<'store'>;
  private readonly snapshotReceivedBytes: Counter<'store'>;
  private readonly leaderChanges: Counter<'store'>;
  private readonly brokenReplicas: Counter<'store'>;
  private readonly rebuiltReplicas: Counter<'store'>;
  private readonly droppedMessages: Counter<'reason'>;

  constructor(registry: Registry, sources: StoreGaugeSources) {
    const registers = [registry];
    this.proposals = new Counter({
      name: 'broker_store_proposals_total',
      help: 'Writes proposed on this peer as leader, by outcome',
      labelNames: ['store', 'outcome'],
      registers,
    });
    this.applySeconds = new Histogram({
      name: 'broker_store_apply_seconds',
      help: 'From proposal to applied on the leader (committed on a quorum, fsync included)',
      labelNames: ['store'],
      buckets: [0.0002, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1, 5],
      registers,
    });
    this.fsyncSeconds = new Histogram({
      name: 'broker_raft_fsync_seconds',
      help: 'One write-ahead-log sync covering a Ready round of every group',
      buckets: [0.0001, 0.0002, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5],
      registers,
    });
    this.snapshotSentBytes = new Counter({
      name: 'broker_raft_snapshot_sent_bytes_total',
      help: 'Snapshot bytes sent to followers',
      labelNames: ['store'],
      registers,
    });
    this.snapshotReceivedBytes = new Counter({
      name: 'broker_raft_snapshot_received_bytes_total',
      help: 'Snapshot bytes received from leaders',
      labelNames: ['store'],
      registers,
    });
    this.leaderChanges = new Counter({
      name: 'broker_raft_leader_changes_total',
      help: 'Leader changes seen by this replica',
      labelNames: ['store'],
      registers,
    });
    this.brokenReplicas = new Counter({
      name: 'broker_raft_broken_replicas_total',
      help: 'Replicas whose log contradicted the leader and that were rebuilt from a snapshot',
      labelNames: ['store'],
      registers,
    });
    this.rebuiltReplicas = new Counter({
      name: 'broker_raft_rebuilt_replicas_total',
      help: 'Broken replicas restored from a leader snapshot',
      labelNames: ['store'],
      registers,
    });
    this.droppedMessages = new Counter({
      name: 'broker_raft_dropped_messages_total',
      help: 'Raft messages dropped by the transport, by reason',
      labelNames: ['reason'],
      registers,
    });
    const perGroup = (
      name: string,
      help: string,
      value: (g: GroupStatusView) => number
    ): Gauge<'store'> =>
      new Gauge({
        name,
        help,
        labelNames: ['store'],
        registers,
        collect() {
          this.reset();
          for (const g of sources.groups()) this.set({ store: storeLabel(g.group) }, value(g));
        },
      });
    perGroup('broker_raft_term', 'Current Raft term of the local replica', (g) => g.term);
    perGroup('broker_raft_is_leader', '1 when the local replica leads its group', (g) =>
      g.role === 'leader' ? 1 : 0
    );
    perGroup('broker_raft_commit_index', 'Commit index of the local replica', (g) => g.commitIndex);
    perGroup(
      'broker_raft_applied_index',
      'Applied index of the local replica',
      (g) => g.appliedIndex
    );
    perGroup('broker_raft_broken', '1 while the local replica is being rebuilt', (g) =>
      g.broken ? 1 : 0
    );
    perGroup('broker_raft_follower_max_lag', 'Largest follower lag in entries (leader only)', (g) =>
      g.followers.reduce((m, f) => Math.max(m, f.lag), 0)
    );
    new Gauge({
      name: 'broker_store_keys',
      help: 'Keys in the local replica of a store',
      labelNames: ['store'],
      registers,
      collect() {
        this.reset();
        for (const g of sources.groups()) {
          if (g.group === 'meta') continue;
          const s = sources.storeSize(storeLabel(g.group));
          if (s !== undefined) this.set({ store: storeLabel(g.group) }, s.keys);
        }
      },
    });
    new Gauge({
      name: 'broker_store_bytes',
      help: 'Bytes of keys and values in the local replica of a store',
      labelNames: ['store'],
      registers,
      collect() {
        this.reset();
        for (const g of sources.groups()) {
          if (g.group === 'meta') continue;
          const s = sources.storeSize(storeLabel(g.group));
          if (s !== undefined) this.set({ store: storeLabel(g.group) }, s.bytes);
        }
      },
    });
  }

  proposal(group: string, outcome: ProposalOutcome): void {
    this.proposals.inc({ store: storeLabel(group), outcome });
  }
  applyLatency(group: string, seconds: number): void {
    this.applySeconds.observe({ store: storeLabel(group) }, seconds);
  }
  fsyncLatency(seconds: number): void {
    this.fsyncSeconds.observe(seconds);
  }
  snapshotSent(group: string, bytes: number): void {
    this.snapshotSentBytes.inc({ store: storeLabel(group) }, bytes);
  }
  snapshotReceived(group: string, bytes: number): void {
    this.snapshotReceivedBytes.inc({ store: storeLabel(group) }, bytes);
  }
  leaderChange(group: string): void {
    this.leaderChanges.inc({ store: storeLabel(group) });
  }
  brokenReplica(group: string): void {
    this.brokenReplicas.inc({ store: storeLabel(group) });
  }
  replicaRebuilt(group: string): void {
    this.rebuiltReplicas.inc({ store: storeLabel(group) });
  }
  dropped(reason: DropReason, count: number): void {
    this.droppedMessages.inc({ reason }, count);
  }
}
