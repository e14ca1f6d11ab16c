/**
 * A simulated cluster for the placement driver's unit tests: the driver's moves are carried
 * out at once (a transfer changes the leader, a replica move the map and the configuration),
 * as the real wiring eventually does.
 */
import { placeStore } from '../../node/src/cluster/map/index.js';
import type {
  GroupLoad,
  PlacementDecision,
  PlacementDriver,
  PlacementInput,
  PlacementMove,
  PlacementStore,
} from '../../node/src/cluster/placement/index.js';

export interface SimStore {
  name: string;
  rf: number;
  replicas: string[];
  leader: string;
  load: GroupLoad;
  preferredLeader: string;
}

export const load = (writesPerSec: number, readsPerSec = 0, bytesPerSec = 0): GroupLoad => ({
  writesPerSec,
  readsPerSec,
  bytesPerSec,
});

export class SimCluster {
  nowMs = 0;
  readonly unavailableSince = new Map<string, number>();
  readonly applied: PlacementMove[] = [];

  constructor(
    readonly members: string[],
    readonly stores: SimStore[]
  ) {}

  /** `n` stores placed by HRW with rf 3, each led by its first replica. */
  static hrw(members: string[], n: number, loadOf: (i: number) => GroupLoad): SimCluster {
    const stores = Array.from({ length: n }, (_, i): SimStore => {
      const name = `store-${i}`;
      const replicas = placeStore(name, 3, members);
      return { name, rf: 3, replicas, leader: replicas[0]!, load: loadOf(i), preferredLeader: '' };
    });
    return new SimCluster(members, stores);
  }

  input(): PlacementInput {
    return {
      nowMs: this.nowMs,
      members: this.members.map((id) => ({
        id,
        active: true,
        unavailableForMs: this.unavailableSince.has(id)
          ? Math.max(1, this.nowMs - this.unavailableSince.get(id)!)
          : 0,
      })),
      stores: this.stores.map((s): PlacementStore => ({
        name: s.name,
        replicationFactor: s.rf,
        replicas: [...s.replicas],
        learners: [],
        preferredLeader: s.preferredLeader,
        leader: this.unavailableSince.has(s.leader) ? undefined : s.leader,
        confVoters: this.unavailableSince.has(s.leader) ? undefined : [...s.replicas],
        confLearners: [],
        load: s.load,
      })),
    };
  }

  /** One measurement: the driver decides, the moves complete, the clock advances 1 s. */
  step(driver: PlacementDriver): PlacementDecision {
    const d = driver.observe(this.input());
    for (const mv of d.moves) this.apply(mv);
    this.nowMs += 1000;
    return d;
  }

  apply(mv: PlacementMove): void {
    const s = this.stores.find((x) => x.name === mv.store)!;
    if (mv.kind === 'transfer-leader') {
      s.leader = mv.to;
      s.preferredLeader = mv.to;
    } else {
      s.replicas = [...mv.replicas];
      if (s.leader === mv.from) s.leader = s.replicas.find((r) => !this.unavailableSince.has(r))!;
    }
    this.applied.push(mv);
  }

  down(id: string): void {
    this.unavailableSince.set(id, this.nowMs);
    // Its leaderships move to another replica (an election).
    for (const s of this.stores)
      if (s.leader === id) s.leader = s.replicas.find((r) => r !== id) ?? id;
  }
}
