/**
 * The placement driver: from measured load and the cluster map, the moves that balance the
 * members. It runs in the meta leader, once per measurement; it is pure (no I/O, the time is
 * an input) and keeps only what a balancer must remember between measurements: how many
 * consecutive measurements each member has been hot, and the leadership transfers it asked
 * for. See docs/rebalancing.md.
 *
 * Three dimensions are balanced, in priority order: measured load, leader count, replica
 * count. A member is hot in a dimension when its score is above mean * (1 + thresholdRatio)
 * and above mean + floor; cold when below mean * (1 - thresholdRatio) and below mean - floor
 * (a member that just joined or came back). Only a member hot (or cold) for `hotMeasurements`
 * measurements in a row is acted on, by the single move off (onto) it that most reduces the
 * dimension's spread (the sum of
 * squared distances from the mean): a leadership transfer if one helps, a replica move only
 * if none does. A move must not push a member over (or further over) the line of a dimension
 * with higher priority.
 *
 * Scores are computed from the groups' loads and the placement (the map with the moves in
 * flight taken as done), not from per-member measurements, so a move's effect is seen at once
 * and a member is not moved from twice for the same excess while the first move runs.
 *
 * Why it settles: every balancing move strictly lowers its dimension's spread (a move from a
 * to b of size d lowers it exactly when d < a - b), so with fixed loads a move and its
 * reverse can never both be chosen and the moves run out. Measured load is not fixed: it
 * wobbles, so four more rules keep the wobble from starting moves once balanced:
 * - hysteresis: a member latched hot (beyond the line for hotMeasurements measurements) is
 *   moved from until it is back within half the distance to the line, not just under it;
 * - margin: a move must leave the source at least a quarter of that distance above where
 *   the target was, so noise of that size cannot make the reverse look good;
 * - dead bands: a move takes its target at most half way to the line in its own dimension
 *   and a quarter of the way in a more important one (a count move leaves load a wide
 *   margin, so it never sets up a load move);
 * - parking: a member hot in a count for which nothing fits (nothing in flight) waits until
 *   that count changes; counts do not wobble, so only a wobble of load could let a move
 *   through, and the load move after it would hand the leadership back.
 * The inputs are averaged over many measurements first (GroupLoadView).
 */
import { PlacementOptionsError } from './errors.js';
import { followerCost, leaderCost } from './load-model.js';
import {
  DEFAULT_PLACEMENT_OPTIONS,
  type MemberScore,
  type MoveReason,
  type PlacementDecision,
  type PlacementInput,
  type PlacementMove,
  type PlacementOptions,
  type PlacementStore,
} from './types.js';

type Dim = 'load' | 'leaders' | 'replicas';
const DIMS: readonly Dim[] = ['load', 'leaders', 'replicas'];
/** A spread reduction smaller than this is rounding, not a gain. */
const EPSILON = 1e-9;
/** How far towards its line (from the mean) a move may take a member, in its own dimension... */
const OWN_BAND = 0.5;
/** ... and in every more important one. */
const HIGHER_BAND = 0.25;

type Scores = Map<string, Record<Dim, number>>;

/** The driver's working copy of one store during a decision. */
interface StoreModel {
  readonly rec: PlacementStore;
  replicas: string[];
  leader: string | undefined;
  busy: boolean;
  /** Moved lately: not moved again for balance (storeCooldownMs). */
  readonly cooling: boolean;
}

function checkOptions(o: PlacementOptions): void {
  const need = (ok: boolean, what: string): void => {
    if (!ok) throw new PlacementOptionsError(`placement option ${what}`);
  };
  need(
    Number.isFinite(o.thresholdRatio) && o.thresholdRatio >= 0 && o.thresholdRatio <= 10,
    `thresholdRatio: ${o.thresholdRatio} is not 0..10`
  );
  need(Number.isFinite(o.loadFloor) && o.loadFloor >= 0, `loadFloor: ${o.loadFloor} is not >= 0`);
  need(
    Number.isFinite(o.countFloor) && o.countFloor >= 0,
    `countFloor: ${o.countFloor} is not >= 0`
  );
  for (const k of [
    'hotMeasurements',
    'maxMovesPerMember',
    'maxMovesTotal',
    'memberDownTimeoutMs',
    'transferTimeoutMs',
    'storeCooldownMs',
  ] as const) {
    need(Number.isSafeInteger(o[k]) && o[k] >= 1, `${k}: ${o[k]} is not an integer >= 1`);
  }
}

function sameSet(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x) => b.includes(x));
}

function majority(n: number): number {
  return Math.floor(n / 2) + 1;
}

export class PlacementDriver {
  readonly options: PlacementOptions;
  /** Consecutive hot measurements per eligible member and dimension; reset by a move. */
  private readonly streaks = new Map<string, Record<Dim, number>>();
  /** The same for being cold (below the mirror line): a member far under its share. */
  private readonly coldStreaks = new Map<string, Record<Dim, number>>();
  /**
   * The dimensions each member is latched hot in: set once its streak reaches
   * hotMeasurements, cleared once it is back within the band (OWN_BAND of the way from the
   * mean to the line). While latched, moves come off it (hysteresis: act beyond the line,
   * stop only well inside it).
   */
  private readonly hotLatch = new Map<string, Set<Dim>>();
  /** The same for cold members. */
  private readonly coldLatch = new Map<string, Set<Dim>>();
  /**
   * Members latched in a count dimension for which no move fitted (with nothing in flight),
   * with the count they had then: they are left alone until that count changes.
   */
  private readonly parked = new Map<string, Partial<Record<Dim, number>>>();
  /** Leadership transfers asked for and not yet seen done: store -> target and start time. */
  private readonly transfers = new Map<string, { from: string; to: string; sinceMs: number }>();
  private seeded = false;
  /** When the driver last started a move of each store. */
  private readonly lastMoved = new Map<string, number>();

  constructor(options: Partial<PlacementOptions> = {}) {
    this.options = Object.freeze({ ...DEFAULT_PLACEMENT_OPTIONS, ...options });
    checkOptions(this.options);
  }

  /** Forgets everything (a new meta leader starts counting from zero). */
  reset(): void {
    this.streaks.clear();
    this.coldStreaks.clear();
    this.hotLatch.clear();
    this.coldLatch.clear();
    this.parked.clear();
    this.transfers.clear();
    this.lastMoved.clear();
    this.seeded = false;
  }

  /** One measurement: returns the moves to start now (possibly none) and the scores. */
  observe(input: PlacementInput): PlacementDecision {
    const o = this.options;
    const now = input.nowMs;
    const members = new Map(input.members.map((m) => [m.id, m] as const));
    const available = (id: string): boolean => members.get(id)?.unavailableForMs === 0;
    const down = (id: string): boolean => {
      const m = members.get(id);
      return m !== undefined && m.unavailableForMs > o.memberDownTimeoutMs;
    };
    const eligible = input.members.filter((m) => m.active && m.unavailableForMs === 0);
    const eligibleIds = new Set(eligible.map((m) => m.id));

    // A preference already in the map when this driver starts is a transfer in flight.
    if (!this.seeded) {
      this.seeded = true;
      for (const s of input.stores) {
        if (s.preferredLeader !== '' && s.leader !== undefined && s.leader !== s.preferredLeader)
          this.transfers.set(s.name, { from: s.leader, to: s.preferredLeader, sinceMs: now });
      }
    }
    const byName = new Map(input.stores.map((s) => [s.name, s] as const));
    for (const name of [...this.lastMoved.keys()])
      if (!byName.has(name)) this.lastMoved.delete(name);
    for (const [name, t] of [...this.transfers]) {
      const s = byName.get(name);
      if (
        s === undefined ||
        s.leader === t.to ||
        now - t.sinceMs > o.transferTimeoutMs ||
        !s.replicas.includes(t.to) ||
        !available(t.to)
      )
        this.transfers.delete(name);
    }

    // Moves in flight: per member (source or target) and in all.
    const perMember = new Map<string, number>();
    let total = 0;
    const involve = (ids: Iterable<string>): void => {
      for (const id of new Set(ids)) perMember.set(id, (perMember.get(id) ?? 0) + 1);
      total++;
    };
    const model = new Map<string, StoreModel>();
    for (const s of input.stores) {
      const t = this.transfers.get(s.name);
      const m: StoreModel = {
        rec: s,
        replicas: [...s.replicas],
        leader: t?.to ?? s.leader ?? (s.preferredLeader !== '' ? s.preferredLeader : s.replicas[0]),
        busy: false,
        cooling: now - (this.lastMoved.get(s.name) ?? -Infinity) < o.storeCooldownMs,
      };
      if (t !== undefined) {
        m.busy = true;
        involve([t.from, t.to]);
      } else if (s.confVoters === undefined) {
        m.busy = true; // no leader reported: nothing is known about its configuration
      } else if (
        !sameSet(s.replicas, s.confVoters) ||
        s.learners.length > 0 ||
        (s.confLearners?.length ?? 0) > 0
      ) {
        m.busy = true;
        const diff = [
          ...s.replicas.filter((r) => !s.confVoters!.includes(r)),
          ...s.confVoters.filter((r) => !s.replicas.includes(r)),
          ...s.learners,
          ...(s.confLearners ?? []),
        ];
        involve(diff);
      }
      model.set(s.name, m);
    }
    const inFlight = total;

    const scores = this.score(model, eligibleIds);
    const moves: PlacementMove[] = [];
    const room = (from: string | undefined, to: string): boolean =>
      total < o.maxMovesTotal &&
      (perMember.get(to) ?? 0) < o.maxMovesPerMember &&
      (from === undefined || (perMember.get(from) ?? 0) < o.maxMovesPerMember);
    const start = (mv: PlacementMove, sm: StoreModel, countFrom: boolean): void => {
      moves.push(mv);
      this.lastMoved.set(mv.store, now);
      sm.busy = true;
      involve(countFrom ? [mv.from, mv.to] : [mv.to]);
      this.applyToScores(scores, sm, mv);
      if (mv.kind === 'transfer-leader') {
        sm.leader = mv.to;
        this.transfers.set(mv.store, { from: mv.from, to: mv.to, sinceMs: now });
      } else {
        sm.replicas = [...mv.replicas];
      }
    };

    // 1. Repair: replicas on members down longer than the timeout are re-created elsewhere,
    // as long as the rest of the group keeps a quorum to carry out the change.
    for (const sm of model.values()) {
      if (sm.busy) continue;
      const gone = sm.replicas.find((r) => down(r));
      if (gone === undefined) continue;
      const others = sm.replicas.filter((r) => r !== gone);
      if (others.filter(available).length < majority(sm.replicas.length)) continue;
      const to = [...eligibleIds]
        .filter((id) => !sm.replicas.includes(id) && !sm.rec.learners.includes(id))
        .filter((id) => room(undefined, id))
        .sort((a, b) => {
          const x = scores.get(a)!;
          const y = scores.get(b)!;
          return x.replicas - y.replicas || x.load - y.load || (a < b ? -1 : 1);
        })[0];
      if (to === undefined) continue;
      const replicas = sm.replicas.map((r) => (r === gone ? to : r));
      start(
        { kind: 'move-replica', store: sm.rec.name, from: gone, to, reason: 'repair', replicas },
        sm,
        false
      );
    }

    // 2. Streaks and latches, measured on the placement as it is before this decision's
    // balancing.
    for (const m of [this.streaks, this.coldStreaks, this.hotLatch, this.coldLatch, this.parked])
      for (const id of [...m.keys()]) if (!eligibleIds.has(id)) m.delete(id);
    for (const id of eligibleIds) {
      const st = this.streaks.get(id) ?? { load: 0, leaders: 0, replicas: 0 };
      const cs = this.coldStreaks.get(id) ?? { load: 0, leaders: 0, replicas: 0 };
      const hl = this.hotLatch.get(id) ?? new Set<Dim>();
      const cl = this.coldLatch.get(id) ?? new Set<Dim>();
      for (const d of DIMS) {
        st[d] = this.isHot(scores, d, id) ? st[d] + 1 : 0;
        cs[d] = this.isCold(scores, d, id) ? cs[d] + 1 : 0;
        if (st[d] >= o.hotMeasurements) hl.add(d);
        else if (!this.beyondBand(scores, d, id, 'hot')) hl.delete(d);
        if (cs[d] >= o.hotMeasurements) cl.add(d);
        else if (!this.beyondBand(scores, d, id, 'cold')) cl.delete(d);
      }
      this.streaks.set(id, st);
      this.coldStreaks.set(id, cs);
      this.hotLatch.set(id, hl);
      this.coldLatch.set(id, cl);
    }

    // 3. Balance, dimension by dimension, hottest member first.
    for (const d of DIMS) {
      for (;;) {
        if (total >= o.maxMovesTotal) break;
        // A member latched hot is moved from until it is back within the band, not just
        // under the line: one left just under it would cross again on the next wobble.
        const hot = [...eligibleIds]
          .filter((id) => this.hotLatch.get(id)?.has(d) === true)
          .filter((id) => this.beyondBand(scores, d, id, 'hot'))
          .sort((a, b) => scores.get(b)![d] - scores.get(a)![d]);
        const cold = [...eligibleIds]
          .filter((id) => this.coldLatch.get(id)?.has(d) === true)
          .filter((id) => this.beyondBand(scores, d, id, 'cold'))
          .sort((a, b) => scores.get(a)![d] - scores.get(b)![d]);
        const parked = (id: string): boolean =>
          d !== 'load' && this.parked.get(id)?.[d] === scores.get(id)![d];
        const sides = [
          ...hot.filter((id) => !parked(id)).map((from) => ({ from, who: from })),
          ...cold.filter((id) => !parked(id)).map((to) => ({ to, who: to })),
        ];
        let moved = false;
        for (const side of sides) {
          if ((perMember.get(side.who) ?? 0) >= o.maxMovesPerMember) continue;
          const best = this.bestMove(d, side, model, scores, eligibleIds, available, room);
          if (best !== undefined) {
            start(best.move, best.sm, true);
            moved = true;
            break;
          }
          // Nothing fits with nothing in flight or cooling: the counts cannot move without
          // breaking the load bands. Counts do not wobble, load does: left latched, the
          // member would take the first move that a wobble of load lets through, and the
          // load move that follows would hand it back. So it waits until its count changes.
          if (
            d !== 'load' &&
            total === 0 &&
            [...model.values()].every((m) => !m.busy && !m.cooling)
          ) {
            const p = this.parked.get(side.who) ?? {};
            p[d] = scores.get(side.who)![d];
            this.parked.set(side.who, p);
          }
        }
        if (!moved) break;
      }
    }

    return {
      moves,
      inFlight,
      scores: [...members.keys()].map((id): MemberScore => {
        const s = scores.get(id) ?? { load: 0, leaders: 0, replicas: 0 };
        const st = this.streaks.get(id) ?? { load: 0, leaders: 0, replicas: 0 };
        return {
          id,
          load: s.load,
          leaders: s.leaders,
          replicas: s.replicas,
          hotStreak: { ...st },
          down: down(id),
        };
      }),
    };
  }

  private score(model: Map<string, StoreModel>, eligible: Set<string>): Scores {
    const scores: Scores = new Map();
    for (const id of eligible) scores.set(id, { load: 0, leaders: 0, replicas: 0 });
    for (const sm of model.values()) {
      const lc = leaderCost(sm.rec.load);
      const fc = followerCost(sm.rec.load);
      for (const r of sm.replicas) {
        const s = scores.get(r);
        if (s === undefined) continue;
        s.replicas++;
        if (r === sm.leader) {
          s.leaders++;
          s.load += lc;
        } else s.load += fc;
      }
    }
    return scores;
  }

  private threshold(scores: Scores, d: Dim): number {
    let sum = 0;
    for (const s of scores.values()) sum += s[d];
    const mean = scores.size === 0 ? 0 : sum / scores.size;
    const floor = d === 'load' ? this.options.loadFloor : this.options.countFloor;
    return Math.max(mean * (1 + this.options.thresholdRatio), mean + floor);
  }

  private mean(scores: Scores, d: Dim): number {
    let sum = 0;
    for (const x of scores.values()) sum += x[d];
    return scores.size === 0 ? 0 : sum / scores.size;
  }

  /** The mirror of the hot line: mean * (1 - ratio) or mean - floor, whichever is lower. */
  private coldLine(scores: Scores, d: Dim): number {
    let sum = 0;
    for (const x of scores.values()) sum += x[d];
    const mean = scores.size === 0 ? 0 : sum / scores.size;
    const floor = d === 'load' ? this.options.loadFloor : this.options.countFloor;
    return Math.min(mean * (1 - this.options.thresholdRatio), mean - floor);
  }

  private isCold(scores: Scores, d: Dim, id: string): boolean {
    const s = scores.get(id);
    return s !== undefined && s[d] < this.coldLine(scores, d);
  }

  /** Whether the member is beyond the band (OWN_BAND of the way from the mean to the line). */
  private beyondBand(scores: Scores, d: Dim, id: string, side: 'hot' | 'cold'): boolean {
    const s = scores.get(id);
    if (s === undefined) return false;
    const mean = this.mean(scores, d);
    return side === 'hot'
      ? s[d] > mean + (this.threshold(scores, d) - mean) * OWN_BAND + EPSILON
      : s[d] < mean - (mean - this.coldLine(scores, d)) * OWN_BAND - EPSILON;
  }

  private isHot(scores: Scores, d: Dim, id: string): boolean {
    const s = scores.get(id);
    return s !== undefined && s[d] > this.threshold(scores, d);
  }

  /** The change a move makes to the scores of its two members. */
  private deltas(sm: StoreModel, mv: PlacementMove): Record<Dim, number> {
    const lc = leaderCost(sm.rec.load);
    const fc = followerCost(sm.rec.load);
    return mv.kind === 'transfer-leader'
      ? { load: lc - fc, leaders: 1, replicas: 0 }
      : { load: fc, leaders: 0, replicas: 1 };
  }

  private applyToScores(scores: Scores, sm: StoreModel, mv: PlacementMove): void {
    const dl = this.deltas(sm, mv);
    const from = scores.get(mv.from);
    const to = scores.get(mv.to);
    for (const d of DIMS) {
      if (from !== undefined) from[d] -= dl[d];
      if (to !== undefined) to[d] += dl[d];
    }
  }

  /**
   * The best move off `side.from` (a hot member) or onto `side.to` (a cold one), or undefined
   * when none lowers the dimension's spread.
   */
  private bestMove(
    d: Dim,
    side: { readonly from?: string; readonly to?: string },
    model: Map<string, StoreModel>,
    scores: Scores,
    eligible: Set<string>,
    available: (id: string) => boolean,
    room: (from: string, to: string) => boolean
  ): { move: PlacementMove; sm: StoreModel } | undefined {
    const higher = DIMS.slice(0, DIMS.indexOf(d));
    // Dead bands: a move may take the member it lands on only part of the way from the mean
    // to the line (hot or cold): half way in its own dimension, a quarter of the way in every
    // more important one. The rest is hysteresis: a member that ends up near a line is pushed
    // over it by measurement noise, and the move that follows hands load back. A move made
    // for a less important reason keeps the wider margin, so a count move never sets up a load
    // move (which only starts beyond the full line) and the two never take turns.
    const gaps = new Map(
      DIMS.map((x) => {
        const mean = this.mean(scores, x);
        return [
          x,
          { mean, hot: this.threshold(scores, x) - mean, cold: mean - this.coldLine(scores, x) },
        ] as const;
      })
    );
    const band = (x: Dim, side: 'hot' | 'cold'): number => {
      const g = gaps.get(x)!;
      const part = x === d ? OWN_BAND : HIGHER_BAND;
      return side === 'hot' ? g.mean + g[side] * part : g.mean - g[side] * part;
    };
    const judge = (sm: StoreModel, mv: PlacementMove): number => {
      const dl = this.deltas(sm, mv);
      const a = scores.get(mv.from)!;
      const b = scores.get(mv.to)!;
      for (const x of higher) {
        if (dl[x] > 0 && b[x] + dl[x] > band(x, 'hot')) return 0;
        if (dl[x] > 0 && a[x] - dl[x] < band(x, 'cold')) return 0;
      }
      if (side.from !== undefined && b[d] + dl[d] > band(d, 'hot')) return 0;
      if (side.to !== undefined && a[d] - dl[d] < band(d, 'cold')) return 0;
      // Worth it only with a margin: after the move the source stays at least a quarter of
      // the mean-to-line distance above where the target was, so noise of that size cannot
      // make the reverse move look good.
      if (a[d] - b[d] - dl[d] < (gaps.get(d)!.hot * OWN_BAND) / 2 + EPSILON) return 0;
      // Spread drops by 2*d*(a - b - d) when d moves from a to b.
      return 2 * dl[d] * (a[d] - b[d] - dl[d]);
    };
    const fits = (from: string, to: string): boolean =>
      (side.from === undefined || side.from === from) &&
      (side.to === undefined || side.to === to) &&
      eligible.has(from) &&
      eligible.has(to) &&
      room(from, to);
    let best: { move: PlacementMove; sm: StoreModel; gain: number } | undefined;
    const consider = (sm: StoreModel, mv: PlacementMove): void => {
      const gain = judge(sm, mv);
      if (gain > EPSILON && (best === undefined || gain > best.gain)) best = { move: mv, sm, gain };
    };
    const reason: MoveReason = d;
    // Leadership transfers first: they move no data.
    if (d !== 'replicas') {
      for (const sm of model.values()) {
        const from = sm.leader;
        if (sm.busy || sm.cooling || from === undefined || !sm.replicas.includes(from)) continue;
        for (const to of sm.replicas) {
          if (to === from || !fits(from, to)) continue;
          consider(sm, { kind: 'transfer-leader', store: sm.rec.name, from, to, reason });
        }
      }
      if (best !== undefined) return best;
    }
    if (d === 'leaders') return undefined;
    // Replica moves: only of a follower (a leader hands off first), and only while every
    // replica answers, so the group keeps its full quorum during the move.
    for (const sm of model.values()) {
      if (sm.busy || sm.cooling || !sm.replicas.every(available)) continue;
      for (const from of sm.replicas) {
        if (from === sm.leader) continue;
        for (const to of eligible) {
          if (sm.replicas.includes(to) || sm.rec.learners.includes(to) || !fits(from, to)) continue;
          const replicas = sm.replicas.map((r) => (r === from ? to : r));
          consider(sm, { kind: 'move-replica', store: sm.rec.name, from, to, reason, replicas });
        }
      }
    }
    return best;
  }
}
