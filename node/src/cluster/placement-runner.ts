/**
 * Load measurement and the placement driver, wired to a peer (docs/rebalancing.md).
 *
 * Every peer measures, once per --placement-interval-ms: the rates of every store group it
 * holds (writes and their bytes counted where they are proposed, reads where they are
 * answered), its CPU, the events entering its router and the bytes under its data directory.
 * That is its LoadReport (admin API) and its metrics.
 *
 * The meta leader also asks every member for its report, feeds the reports and the map to
 * the pure PlacementDriver, and carries out the moves it returns as meta commands: a
 * leadership transfer is `set-preferred-leader` (the group's leader hands over once the
 * target is a caught-up voter); a replica move is `set-replicas` with one member replaced (the
 * group's leader adds the new replica as a learner, which its snapshot catches up at
 * --snapshot-rate, promotes it and removes the old one in one joint change, handing its own
 * leadership over first when it is the one leaving). A member whose report has not arrived
 * for --member-down-timeout-ms is down: the driver re-creates its replicas on the others.
 */
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Registry } from 'prom-client';
import type { Logger, PlacementConfig } from '../config/index.js';
import type { GroupLoadReport__Output as GroupLoadReport } from '../gen/broker/v1/GroupLoadReport.js';
import type { LoadReport__Output as LoadReport } from '../gen/broker/v1/LoadReport.js';
import type { PlacementMoveRecord } from '../gen/broker/v1/PlacementMoveRecord.js';
import type { PlacementStatus } from '../gen/broker/v1/PlacementStatus.js';
import { PlacementMetrics } from '../metrics/index.js';
import type { GroupStatusView } from '../replication/index.js';
import {
  type ClusterMap,
  type MemberRecord,
  type MetaCommand,
  parseReplicaId,
} from './map/index.js';
import { PeerCalls, unary } from './peer-calls.js';
import {
  type GroupLoad,
  GroupLoadView,
  LoadMeter,
  type PlacementDecision,
  PlacementDriver,
  type PlacementInput,
  type PlacementMove,
  type ReplicaRates,
} from './placement/index.js';

const META = 'meta';
/** Moves kept for PlacementStatus. */
const RECENT_MOVES = 64;
/** Files counted per disk-usage walk (a data directory holds WAL segments and snapshots). */
const MAX_DISK_ENTRIES = 100_000;
/** Disk usage is walked every this many measurements. */
const DISK_EVERY = 5;
const REPORT_TIMEOUT_MS = 3_000;
const ZERO: GroupLoad = { writesPerSec: 0, readsPerSec: 0, bytesPerSec: 0 };

/** What the runner needs of the cluster manager. */
export interface PlacementHost {
  readonly id: string;
  generation(): number;
  map(): ClusterMap;
  readonly calls: PeerCalls;
  isLeader(group: string): boolean;
  /** Status of every local group. */
  groupStatus(which: string): GroupStatusView[];
  proposeMeta(cmd: MetaCommand): Promise<unknown>;
  /** Whether the host is up and holds a cluster map. */
  running(): boolean;
}

export interface PlacementRunnerDeps {
  readonly config: PlacementConfig;
  readonly log: Logger;
  readonly dataDir: string;
  readonly registry?: Registry;
}

function storeOfGroup(group: string): string {
  const m = /^s-(.+)-\d+$/.exec(group);
  return m === null ? group : m[1]!;
}

export class PlacementRunner {
  readonly meter = new LoadMeter();
  readonly driver: PlacementDriver;
  private readonly metrics: PlacementMetrics | undefined;
  private timer: NodeJS.Timeout | undefined;
  /** One measurement at a time; a slow one makes the next tick skip. */
  private busy = false;
  private stopped = false;
  private measurements = 0;
  private movesStarted = 0;
  /** This peer's latest report. */
  private local: LoadReport;
  private cpuPrev: { usage: NodeJS.CpuUsage; atMs: number } | undefined;
  private eventsPrev: { count: number; atMs: number } | undefined;
  private diskBytes = 0;
  // ---- meta leader only ----
  private leading = false;
  /** Latest report per member and when it arrived (monotonic ms). */
  private readonly reports = new Map<string, LoadReport>();
  private readonly lastSeen = new Map<string, number>();
  /** Every group's load as the driver sees it: all replicas' reports, averaged. */
  private readonly view = new GroupLoadView();
  private readonly recent: PlacementMoveRecord[] = [];
  private lastDecision: PlacementDecision | undefined;

  constructor(
    private readonly host: PlacementHost,
    private readonly deps: PlacementRunnerDeps
  ) {
    const c = deps.config;
    this.driver = new PlacementDriver({
      thresholdRatio: c.thresholdPercent / 100,
      loadFloor: c.loadFloor,
      countFloor: c.countFloor,
      hotMeasurements: c.hotMeasurements,
      maxMovesPerMember: c.maxMovesPerMember,
      maxMovesTotal: c.maxMoves,
      memberDownTimeoutMs: c.memberDownTimeoutMs,
      transferTimeoutMs: Math.max(10_000, 5 * c.intervalMs),
    });
    this.local = this.emptyReport();
    if (deps.registry !== undefined) {
      this.metrics = new PlacementMetrics(deps.registry, {
        groups: () =>
          this.local.groups.map((g) => ({
            store: g.store,
            leader: g.leader,
            writesPerSec: g.writes_per_sec,
            readsPerSec: g.reads_per_sec,
            bytesPerSec: g.bytes_per_sec,
          })),
        peer: () => ({
          cpuCores: this.local.cpu_cores,
          eventsRoutedPerSec: this.local.events_routed_per_sec,
          diskUsedBytes: Number(this.local.disk_used_bytes),
        }),
        members: () =>
          this.leading
            ? this.lastDecision?.scores.map((s) => ({
                id: s.id,
                load: s.load,
                leaders: s.leaders,
                replicas: s.replicas,
                down: s.down,
              }))
            : undefined,
        movesInFlight: () => (this.leading ? (this.lastDecision?.inFlight ?? 0) : 0),
      });
    }
  }

  start(): void {
    this.timer = setInterval(() => {
      if (this.busy || this.stopped) return;
      this.busy = true;
      void this.measure()
        .catch((e: unknown) =>
          this.deps.log.log('warn', 'load measurement failed', { error: (e as Error).message })
        )
        .finally(() => {
          this.busy = false;
        });
    }, this.deps.config.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer !== undefined) clearInterval(this.timer);
  }

  recordWrite(group: string, bytes: number): void {
    this.meter.recordWrite(group, bytes);
  }

  recordRead(group: string, ops: number): void {
    this.meter.recordRead(group, ops);
  }

  /** This peer's latest LoadReport. */
  loadReport(): LoadReport {
    return this.local;
  }

  /** The driver's view; meaningful on the meta leader. */
  placementStatus(): PlacementStatus {
    const d = this.lastDecision;
    const now = performance.now();
    const groups: GroupLoadReport[] = [];
    for (const s of this.host.map().state.stores) {
      if (s.deleting) continue;
      const l = this.view.get(s.group);
      groups.push({
        group: s.group,
        store: s.name,
        writes_per_sec: l.writesPerSec,
        reads_per_sec: l.readsPerSec,
        bytes_per_sec: l.bytesPerSec,
        leader: false,
        voters: [],
        learners: [],
        preferred_leader: s.preferredLeader ?? '',
      });
    }
    return {
      driver: this.leading ? this.host.id : '',
      enabled: this.deps.config.enabled,
      measurements: String(this.measurements),
      moves_started: String(this.movesStarted),
      moves_in_flight: d?.inFlight ?? 0,
      members: (d?.scores ?? []).map((s) => {
        const r = this.reports.get(s.id);
        const seen = this.lastSeen.get(s.id);
        return {
          id: s.id,
          load: s.load,
          leaders: s.leaders,
          replicas: s.replicas,
          hot_load: s.hotStreak.load,
          hot_leaders: s.hotStreak.leaders,
          hot_replicas: s.hotStreak.replicas,
          unavailable_ms: String(
            seen === undefined
              ? 0
              : Math.max(0, Math.round(now - seen - this.deps.config.intervalMs))
          ),
          down: s.down,
          cpu_cores: r?.cpu_cores ?? 0,
          events_routed_per_sec: r?.events_routed_per_sec ?? 0,
          disk_used_bytes: r?.disk_used_bytes ?? '0',
        };
      }),
      recent_moves: [...this.recent],
      groups: this.leading ? groups : [],
    };
  }

  private emptyReport(): LoadReport {
    return {
      member: this.host.id,
      generation: 0,
      cpu_cores: 0,
      events_routed_per_sec: 0,
      disk_used_bytes: '0',
      groups: [],
    };
  }

  /** One measurement: this peer's figures, then (on the meta leader) one placement decision. */
  private async measure(): Promise<void> {
    if (!this.host.running()) return;
    const now = performance.now();
    this.measurements++;
    const statuses = this.host.groupStatus('').filter((g) => g.group !== META);
    const rates = this.meter.sample(
      now,
      statuses.map((g) => g.group)
    );
    const usage = process.cpuUsage();
    let cpu = 0;
    if (this.cpuPrev !== undefined && now > this.cpuPrev.atMs) {
      const used = usage.user - this.cpuPrev.usage.user + usage.system - this.cpuPrev.usage.system;
      cpu = used / 1000 / (now - this.cpuPrev.atMs);
    }
    this.cpuPrev = { usage, atMs: now };
    const events = await this.eventsRouted();
    let eventsRate = 0;
    if (this.eventsPrev !== undefined && now > this.eventsPrev.atMs)
      eventsRate = ((events - this.eventsPrev.count) * 1000) / (now - this.eventsPrev.atMs);
    this.eventsPrev = { count: events, atMs: now };
    if (this.measurements % DISK_EVERY === 1) this.diskBytes = await diskUsage(this.deps.dataDir);
    this.local = {
      member: this.host.id,
      generation: this.host.generation(),
      cpu_cores: cpu,
      events_routed_per_sec: Math.max(0, eventsRate),
      disk_used_bytes: String(this.diskBytes),
      groups: statuses.map((st) => {
        const r = rates.get(st.group) ?? ZERO;
        const leader = st.role === 'leader' && !st.broken;
        return {
          group: st.group,
          store: storeOfGroup(st.group),
          writes_per_sec: r.writesPerSec,
          reads_per_sec: r.readsPerSec,
          bytes_per_sec: r.bytesPerSec,
          leader,
          voters: leader ? [...st.voters] : [],
          learners: leader ? [...st.learners] : [],
          preferred_leader: '',
        };
      }),
    };
    if (!this.host.isLeader(META)) {
      this.leading = false;
      return;
    }
    if (!this.leading) {
      // A new driver: nothing is known yet, so every member gets a fresh timeout.
      this.leading = true;
      this.driver.reset();
      this.reports.clear();
      this.lastSeen.clear();
      this.view.clear();
    }
    await this.collect(now);
    const input = this.input(now);
    const decision = this.driver.observe(input);
    this.lastDecision = decision;
    if (!this.deps.config.enabled) return;
    for (const mv of decision.moves) await this.carryOut(mv);
  }

  private async eventsRouted(): Promise<number> {
    const r = this.deps.registry;
    if (r === undefined) return 0;
    let total = 0;
    for (const name of ['broker_published_messages_total', 'broker_peer_received_messages_total']) {
      const m = r.getSingleMetric(name);
      if (m === undefined) continue;
      const v = await m.get();
      for (const x of v.values) total += x.value;
    }
    return total;
  }

  /** Asks every other member for its report (in parallel, each with a deadline). */
  private async collect(now: number): Promise<void> {
    const members = this.host.map().state.members.filter((m) => m.state !== 'removed');
    for (const m of members) if (!this.lastSeen.has(m.id)) this.lastSeen.set(m.id, now);
    this.reports.set(this.host.id, this.local);
    this.lastSeen.set(this.host.id, now);
    const timeout = Math.min(REPORT_TIMEOUT_MS, Math.max(200, this.deps.config.intervalMs));
    await Promise.all(
      members
        .filter((m) => m.id !== this.host.id)
        .map(async (m) => {
          try {
            const client = this.host.calls.admin(m.address);
            const r = (await unary(
              client.LoadReport,
              client,
              {},
              this.host.calls.forwardMetadata(),
              timeout
            )) as LoadReport;
            // A report from an older incarnation (before a rejoin) does not count.
            if (r.member === m.id && r.generation === m.generation) {
              this.reports.set(m.id, r);
              this.lastSeen.set(m.id, now);
            }
          } catch {
            // Unreachable: lastSeen stays, and the member's time without a report grows.
          }
        })
    );
    for (const id of [...this.reports.keys()])
      if (!members.some((m) => m.id === id)) this.reports.delete(id);
  }

  private input(now: number): PlacementInput {
    const map = this.host.map();
    const members = map.state.members.filter((m) => m.state !== 'removed');
    const byId = new Map<string, MemberRecord>(members.map((m) => [m.id, m]));
    const fresh = (id: string): boolean => this.lastSeen.get(id) === now;
    // The leader of each group, as its own report says (a member that is not fresh is not
    // believed: it may have lost leadership since).
    const leaders = new Map<string, { member: string; g: GroupLoadReport }>();
    const rates = new Map<string, ReplicaRates[]>();
    for (const [id, r] of this.reports) {
      if (!fresh(id)) continue;
      for (const g of r.groups) {
        if (g.leader) leaders.set(g.group, { member: id, g });
        let list = rates.get(g.group);
        if (list === undefined) rates.set(g.group, (list = []));
        list.push({
          leader: g.leader,
          load: {
            writesPerSec: g.writes_per_sec,
            readsPerSec: g.reads_per_sec,
            bytesPerSec: g.bytes_per_sec,
          },
        });
      }
    }
    this.view.retain(map.state.stores.map((s) => s.group));
    // A configuration replica of another generation than the map's is not that member's
    // current replica: keep it as the raw id, so the group counts as still moving.
    const memberOf = (replica: string): string => {
      try {
        const { memberId, generation } = parseReplicaId(replica);
        return byId.get(memberId)?.generation === generation ? memberId : replica;
      } catch {
        return replica;
      }
    };
    return {
      nowMs: now,
      members: members.map((m) => ({
        id: m.id,
        active: m.state === 'active',
        unavailableForMs: fresh(m.id) ? 0 : Math.max(1, now - (this.lastSeen.get(m.id) ?? now)),
      })),
      stores: map.state.stores
        .filter((s) => !s.deleting)
        .map((s) => {
          const l = leaders.get(s.group);
          const load = this.view.observe(s.group, rates.get(s.group) ?? []);
          return {
            name: s.name,
            replicationFactor: s.replicationFactor,
            replicas: s.replicas,
            learners: s.learners,
            preferredLeader: s.preferredLeader ?? '',
            leader: l?.member,
            confVoters: l === undefined ? undefined : l.g.voters.map(memberOf),
            confLearners: l === undefined ? undefined : l.g.learners.map(memberOf),
            load,
          };
        }),
    };
  }

  private async carryOut(mv: PlacementMove): Promise<void> {
    const cmd: MetaCommand =
      mv.kind === 'transfer-leader'
        ? { kind: 'set-preferred-leader', name: mv.store, leader: mv.to }
        : { kind: 'set-replicas', name: mv.store, replicas: [...mv.replicas], learners: [] };
    try {
      await this.host.proposeMeta(cmd);
    } catch (e) {
      this.deps.log.log('info', 'placement move not started', {
        move: mv,
        error: (e as Error).message,
      });
      return;
    }
    this.movesStarted++;
    this.metrics?.moveStarted(mv.kind, mv.reason);
    this.recent.push({
      kind: mv.kind,
      store: mv.store,
      from: mv.from,
      to: mv.to,
      reason: mv.reason,
      started_unix_ms: String(Date.now()),
    });
    if (this.recent.length > RECENT_MOVES) this.recent.shift();
    this.deps.log.log('info', 'placement move', { ...mv });
  }
}

/** Bytes of the files under `dir` (at most MAX_DISK_ENTRIES entries are looked at). */
async function diskUsage(dir: string): Promise<number> {
  let total = 0;
  let seen = 0;
  const walk = async (d: string): Promise<void> => {
    let entries;
    try {
      entries = await readdir(d, { withFileTypes: true });
    } catch {
      return; // a directory removed while we walk (a replica destroyed) is simply gone
    }
    for (const e of entries) {
      if (++seen > MAX_DISK_ENTRIES) return;
      const p = join(d, e.name);
      if (e.isDirectory()) await walk(p);
      else if (e.isFile()) {
        try {
          total += (await stat(p)).size;
        } catch {
          // removed meanwhile
        }
      }
    }
  };
  await walk(dir);
  return total;
}
