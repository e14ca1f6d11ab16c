import { Counter, Gauge, type Registry } from 'prom-client';

/** One group's measured rates on this peer. */
export interface GroupRates {
  readonly store: string;
  readonly leader: boolean;
  readonly writesPerSec: number;
  readonly readsPerSec: number;
  readonly bytesPerSec: number;
}

/** One member's scores in the placement driver (meta leader only). */
export interface MemberScores {
  readonly id: string;
  readonly load: number;
  readonly leaders: number;
  readonly replicas: number;
  readonly down: boolean;
}

/** Live values read at scrape time. */
export interface PlacementGaugeSources {
  groups(): readonly GroupRates[];
  peer(): { cpuCores: number; eventsRoutedPerSec: number; diskUsedBytes: number };
  /** Undefined unless this peer runs the placement driver. */
  members(): readonly MemberScores[] | undefined;
  movesInFlight(): number;
}

/**
 * Metrics of load measurement and placement (docs/rebalancing.md): per store group rates on
 * the group's leader, this peer's own load, and on the meta leader the driver's view and the
 * moves it starts. Labels are store names and member ids, both bounded by the cluster map.
 */
export class PlacementMetrics {
  private readonly moves: Counter<'kind' | 'reason'>;

  constructor(registry: Registry, sources: PlacementGaugeSources) {
    const registers = [registry];
    const groupGauge = (name: string, help: string, pick: (g: GroupRates) => number): void => {
      new Gauge({
        name,
        help,
        labelNames: ['store'],
        registers,
        collect() {
          this.reset();
          for (const g of sources.groups()) if (g.leader) this.set({ store: g.store }, pick(g));
        },
      });
    };
    groupGauge(
      'broker_store_writes_per_second',
      'Writes proposed per second to a store group this peer leads (moving average)',
      (g) => g.writesPerSec
    );
    groupGauge(
      'broker_store_reads_per_second',
      'Read queries per second answered by a store group this peer leads (moving average)',
      (g) => g.readsPerSec
    );
    groupGauge(
      'broker_store_write_bytes_per_second',
      'Bytes of writes per second proposed to a store group this peer leads (moving average)',
      (g) => g.bytesPerSec
    );
    new Gauge({
      name: 'broker_peer_cpu_cores',
      help: 'CPU time of this process per second of wall time (1 = one core busy)',
      registers,
      collect() {
        this.set(sources.peer().cpuCores);
      },
    });
    new Gauge({
      name: 'broker_peer_events_routed_per_second',
      help: 'Events entering this peer router per second (published here or received from peers)',
      registers,
      collect() {
        this.set(sources.peer().eventsRoutedPerSec);
      },
    });
    new Gauge({
      name: 'broker_peer_disk_used_bytes',
      help: 'Bytes of files under --data-dir',
      registers,
      collect() {
        this.set(sources.peer().diskUsedBytes);
      },
    });
    const memberGauge = (name: string, help: string, pick: (m: MemberScores) => number): void => {
      new Gauge({
        name,
        help,
        labelNames: ['member'],
        registers,
        collect() {
          this.reset();
          for (const m of sources.members() ?? []) this.set({ member: m.id }, pick(m));
        },
      });
    };
    memberGauge(
      'broker_placement_member_load',
      'Load units the placement driver counts for a member (meta leader only)',
      (m) => m.load
    );
    memberGauge(
      'broker_placement_member_leaders',
      'Leaderships the placement driver counts for a member (meta leader only)',
      (m) => m.leaders
    );
    memberGauge(
      'broker_placement_member_replicas',
      'Replicas the placement driver counts for a member (meta leader only)',
      (m) => m.replicas
    );
    memberGauge(
      'broker_placement_member_down',
      '1 while a member has been unreachable longer than --member-down-timeout-ms',
      (m) => (m.down ? 1 : 0)
    );
    new Gauge({
      name: 'broker_placement_moves_in_flight',
      help: 'Leadership transfers and replica moves started and not finished (meta leader only)',
      registers,
      collect() {
        this.set(sources.movesInFlight());
      },
    });
    this.moves = new Counter({
      name: 'broker_placement_moves_total',
      help: 'Moves started by the placement driver on this peer, by kind and reason',
      labelNames: ['kind', 'reason'],
      registers,
    });
  }

  moveStarted(kind: string, reason: string): void {
    this.moves.inc({ kind, reason });
  }
}
