import type { Prng } from '../../sim/prng.js';
import type { StoreCluster } from './store-cluster.js';
import { describeError, forceSnapshot } from './store-ops.js';

/**
 * The faults of the Jepsen-style store test, run against a StoreCluster one at a time with
 * the cluster healed (and healthy again) between two faults:
 *
 *   kill            SIGKILL a replica of the target store, restart it after the hold
 *   pause           SIGSTOP a follower replica, SIGCONT after the hold
 *   pause-leader    the same on the store's leader
 *   wipe            snapshot on the leader, then SIGKILL a follower replica, delete its data
 *                   directory and start it empty with the same id (restored by snapshot)
 *   isolate-leader  the leader and every other peer drop traffic between them (fault files)
 *   split           a random 2 / 3 split of the peers
 */
export const FAULT_KINDS = [
  'kill',
  'pause',
  'pause-leader',
  'wipe',
  'isolate-leader',
  'split',
] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

/** One planned fault. Targets that depend on the cluster (the leader) are chosen when it runs. */
export interface PlannedFault {
  readonly kind: FaultKind;
  /** How long the fault stays in place before it is healed. */
  readonly holdMs: number;
  /** A random number in [0, 1) that picks among the candidates at run time. */
  readonly pick: number;
}

/** What one fault did, for the report and for the test's floors. */
export interface ExecutedFault {
  readonly kind: FaultKind;
  /** The peers it hit. */
  readonly targets: readonly string[];
  /** Anything worth knowing (the leader it found, a snapshot that failed). */
  readonly notes: readonly string[];
  /** When the fault began and when the cluster was healthy again (the recorder's clock). */
  readonly start: number;
  readonly healed: number;
}

/** `rounds` rounds, each with every kind once in a random order; hold times in [min, max]. */
export function planSchedule(
  rng: Prng,
  rounds: number,
  holdMs: readonly [number, number]
): PlannedFault[] {
  const out: PlannedFault[] = [];
  for (let r = 0; r < rounds; r++) {
    const kinds = [...FAULT_KINDS];
    for (let i = kinds.length - 1; i > 0; i--) {
      const j = rng.int(i + 1);
      [kinds[i], kinds[j]] = [kinds[j]!, kinds[i]!];
    }
    for (const kind of kinds) {
      out.push({
        kind,
        holdMs: holdMs[0] + Math.floor(rng.next() * (holdMs[1] - holdMs[0] + 1)),
        pick: rng.next(),
      });
    }
  }
  return out;
}

export function describeSchedule(s: readonly PlannedFault[]): string {
  return s
    .map((f, i) => `${i + 1}. ${f.kind} for ${f.holdMs} ms (pick ${f.pick.toFixed(3)})`)
    .join('\n');
}

export function describeExecuted(s: readonly ExecutedFault[], t0: number): string {
  return s
    .map(
      (f, i) =>
        `${i + 1}. ${f.kind} on ${f.targets.join(',') || '-'} at +${((f.start - t0) / 1000).toFixed(1)} s, ` +
        `healthy at +${((f.healed - t0) / 1000).toFixed(1)} s${f.notes.length > 0 ? ` (${f.notes.join('; ')})` : ''}`
    )
    .join('\n');
}

const choose = <T>(items: readonly T[], pick: number): T => {
  if (items.length === 0) throw new Error('nothing to choose from');
  return items[Math.min(items.length - 1, Math.floor(pick * items.length))]!;
};

const delay = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export interface NemesisOptions {
  /** The store whose group the faults aim at (its replicas and leader). */
  readonly store: string;
  /** Every store, for the health check after each fault. */
  readonly stores: readonly string[];
  /** How long the cluster may take to become healthy after a fault is healed. */
  readonly healTimeoutMs: number;
  /** Healthy time between two faults, so the workload makes progress without faults too. */
  readonly quietMs: number;
  readonly now: () => number;
  readonly log: (line: string) => void;
}

/** Runs a schedule of faults; one fault at a time. */
export class Nemesis {
  readonly executed: ExecutedFault[] = [];

  constructor(
    private readonly cluster: StoreCluster,
    private readonly o: NemesisOptions
  ) {}

  async run(schedule: readonly PlannedFault[]): Promise<ExecutedFault[]> {
    for (const f of schedule) {
      const start = this.o.now();
      const notes: string[] = [];
      let targets: string[] = [];
      try {
        targets = await this.inject(f, notes);
        this.o.log(`nemesis: ${f.kind} on ${targets.join(',')} for ${f.holdMs} ms`);
        await delay(f.holdMs);
      } finally {
        // Heal even when injecting failed, so the next fault (or the final check) starts clean.
        await this.cluster.heal();
      }
      await this.cluster.waitHealthy(this.o.stores, this.o.healTimeoutMs);
      const healed = this.o.now();
      this.executed.push({ kind: f.kind, targets, notes, start, healed });
      this.o.log(`nemesis: healthy again after ${f.kind}`);
      await delay(this.o.quietMs);
    }
    return this.executed;
  }

  /** Puts one fault in place; returns the peers it hit. */
  private async inject(f: PlannedFault, notes: string[]): Promise<string[]> {
    const c = this.cluster;
    const ids = c.peers.map((p) => p.id);
    const replicas = await c.replicas(this.o.store);
    const leader = await c.leader(this.o.store);
    notes.push(`leader ${leader ?? 'unknown'}`);
    const followers = replicas.filter((id) => id !== leader);
    switch (f.kind) {
      case 'kill': {
        const id = choose(replicas, f.pick);
        await c.kill(id);
        return [id];
      }
      case 'pause': {
        const id = choose(followers.length > 0 ? followers : replicas, f.pick);
        c.pause(id);
        return [id];
      }
      case 'pause-leader': {
        const id = leader ?? choose(replicas, f.pick);
        c.pause(id);
        return [id];
      }
      case 'wipe': {
        // A snapshot first, so the empty peer is restored by InstallSnapshot, not log replay.
        if (leader !== undefined) {
          const r = await forceSnapshot(c.admin(leader), this.o.store, 5_000);
          if (!r.ok) notes.push(`snapshot on ${leader} failed: ${describeError(r.error)}`);
        }
        const id = choose(followers.length > 0 ? followers : replicas, f.pick);
        await c.wipe(id);
        return [id];
      }
      case 'isolate-leader': {
        const id = leader ?? choose(replicas, f.pick);
        c.partition([[id], ids.filter((x) => x !== id)]);
        return [id];
      }
      case 'split': {
        const order = [...ids].sort(
          (a, b) => hash(`${a}:${f.pick}`) - hash(`${b}:${f.pick}`) || (a < b ? -1 : 1)
        );
        const small = order.slice(0, 2);
        c.partition([small, order.slice(2)]);
        return small;
      }
    }
  }
}

/** A small string hash (FNV-1a) for a repeatable shuffle from the planned pick. */
function hash(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}
