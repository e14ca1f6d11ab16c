/**
 * A simulated cluster that measures the way the real one does, for the no-thrash tests: a
 * closed-loop workload through every peer in turn, counted per one-second window (a few dozen
 * operations per store), where real peers count it (writes on the leader; a read on the
 * replica that answers it: the client's peer if it holds one, else the peer it forwards to),
 * each peer's LoadMeter, and the meta leader's GroupLoadView over the reports. The total rate
 * drifts slowly (a shared machine). Moves take effect the way the wiring carries them out: a
 * transfer at the next window, a replica move after a catch-up of a few windows.
 */
import { placeStore } from '../../node/src/cluster/map/index.js';
import {
  type GroupLoad,
  GroupLoadView,
  LoadMeter,
  type PlacementDecision,
  type PlacementDriver,
  type PlacementInput,
  type PlacementMove,
} from '../../node/src/cluster/placement/index.js';
import { Prng } from '../sim/prng.js';

interface Store {
  readonly name: string;
  readonly weight: number;
  replicas: string[];
  leader: string;
  preferredLeader: string;
  /** The configuration reaches `replicas` at this time (a replica move catching up). */
  confAtMs: number;
  confVoters: string[];
}

export interface NoisyOptions {
  readonly members: readonly string[];
  /** Relative weight of each store. */
  readonly weights: readonly number[];
  /** Operations per second over all stores, before drift. */
  readonly opsPerSec: number;
  /** Fraction of operations that are reads. */
  readonly readFraction: number;
  /** Slow drift of the total rate: each window moves it by up to this fraction (bounded +-25%). */
  readonly drift: number;
  readonly seed: number;
  /** Windows a replica move takes to complete. */
  readonly catchUpWindows: number;
}

const WINDOW_MS = 1000;
const WRITE_BYTES = 60;

export class NoisyCluster {
  nowMs = 0;
  readonly stores: Store[];
  readonly applied: { atMs: number; move: PlacementMove }[] = [];
  private readonly meters = new Map<string, LoadMeter>();
  readonly view = new GroupLoadView();
  private readonly rng: Prng;
  private rate = 1;

  constructor(readonly o: NoisyOptions) {
    this.rng = new Prng(o.seed);
    this.stores = o.weights.map((weight, i): Store => {
      const name = `st-${i}`;
      const replicas = placeStore(name, 3, o.members);
      return {
        name,
        weight,
        replicas,
        leader: replicas[0]!,
        preferredLeader: '',
        confAtMs: 0,
        confVoters: [...replicas],
      };
    });
    for (const m of o.members) {
      const meter = new LoadMeter();
      meter.sample(0, this.groupsOf(m));
      this.meters.set(m, meter);
    }
  }

  private groupsOf(m: string): string[] {
    return this.stores.filter((s) => s.confVoters.includes(m)).map((s) => s.name);
  }

  /** A Poisson-distributed count of mean `mean` (Knuth; means here are small). */
  private poisson(mean: number): number {
    if (mean > 60) {
      // Normal approximation for large means.
      const u = Math.max(1e-12, this.rng.next());
      const v = this.rng.next();
      const z = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
      return Math.max(0, Math.round(mean + z * Math.sqrt(mean)));
    }
    const l = Math.exp(-mean);
    let k = 0;
    let p = 1;
    do {
      k++;
      p *= this.rng.next();
    } while (p > l);
    return k - 1;
  }

  /** One window of operations, counted where a real cluster counts them. */
  private runWindow(): void {
    const total = this.o.weights.reduce((a, b) => a + b, 0);
    this.rate *= 1 + this.o.drift * (2 * this.rng.next() - 1);
    this.rate = Math.min(1.25, Math.max(0.75, this.rate));
    const peers = this.o.members;
    for (const s of this.stores) {
      const n = this.poisson((this.o.opsPerSec * this.rate * s.weight) / total);
      for (let i = 0; i < n; i++) {
        const via = peers[this.rng.int(peers.length)]!;
        if (this.rng.next() < this.o.readFraction) {
          const at = s.confVoters.includes(via)
            ? via
            : s.preferredLeader !== ''
              ? s.preferredLeader
              : s.replicas[0]!;
          this.meters.get(at)!.recordRead(s.name, 1);
        } else {
          this.meters.get(s.leader)!.recordWrite(s.name, WRITE_BYTES);
        }
      }
    }
  }

  /** What the meta leader feeds the driver after this window (mirrors placement-runner). */
  input(): PlacementInput {
    const reports = new Map<string, { member: string; leader: boolean; load: GroupLoad }[]>();
    for (const m of this.o.members) {
      const rates = this.meters.get(m)!.sample(this.nowMs, this.groupsOf(m));
      for (const [g, load] of rates) {
        const s = this.stores.find((x) => x.name === g)!;
        let list = reports.get(g);
        if (list === undefined) reports.set(g, (list = []));
        list.push({ member: m, leader: s.leader === m, load });
      }
    }
    this.view.retain(this.stores.map((s) => s.name));
    return {
      nowMs: this.nowMs,
      members: this.o.members.map((id) => ({ id, active: true, unavailableForMs: 0 })),
      stores: this.stores.map((s) => ({
        name: s.name,
        replicationFactor: 3,
        replicas: [...s.replicas],
        learners: [],
        preferredLeader: s.preferredLeader,
        leader: s.leader,
        confVoters: [...s.confVoters],
        confLearners: [],
        load: this.view.observe(s.name, reports.get(s.name) ?? []),
      })),
    };
  }

  /** One measurement period: operations, then the driver's decision, then the clock. */
  step(driver: PlacementDriver): PlacementDecision {
    for (const s of this.stores) {
      if (this.nowMs >= s.confAtMs && s.confVoters.join() !== s.replicas.join()) {
        s.confVoters = [...s.replicas];
        if (!s.replicas.includes(s.leader)) s.leader = s.replicas[0]!;
      }
    }
    this.runWindow();
    this.nowMs += WINDOW_MS;
    const d = driver.observe(this.input());
    for (const mv of d.moves) {
      const s = this.stores.find((x) => x.name === mv.store)!;
      if (mv.kind === 'transfer-leader') {
        s.leader = mv.to;
        s.preferredLeader = mv.to;
      } else {
        s.replicas = [...mv.replicas];
        if (s.preferredLeader === mv.from) s.preferredLeader = '';
        s.confAtMs = this.nowMs + this.o.catchUpWindows * WINDOW_MS;
      }
      this.applied.push({ atMs: this.nowMs, move: mv });
    }
    return d;
  }
}
