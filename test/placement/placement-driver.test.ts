/** The placement driver's decisions, on hand-built inputs and on a simulated cluster. */
import {
  PlacementDriver,
  followerCost,
  leaderCost,
  spread,
  PlacementOptionsError,
  type PlacementInput,
  type PlacementStore,
} from '../../node/src/cluster/placement/index.js';
import { SimCluster, load } from './sim.js';

const FIVE = ['m0', 'm1', 'm2', 'm3', 'm4'];

function store(
  name: string,
  replicas: string[],
  leader: string,
  writes: number,
  extra: Partial<PlacementStore> = {}
): PlacementStore {
  return {
    name,
    replicationFactor: replicas.length,
    replicas,
    learners: [],
    preferredLeader: '',
    leader,
    confVoters: replicas,
    confLearners: [],
    load: load(writes),
    ...extra,
  };
}

function input(stores: PlacementStore[], nowMs = 0, down: Record<string, number> = {}) {
  return {
    nowMs,
    members: FIVE.map((id) => ({ id, active: true, unavailableForMs: down[id] ?? 0 })),
    stores,
  } satisfies PlacementInput;
}

/** Ten stores on rf 3, every leadership on m0: m0 is hot in load and in leader count. */
function allLedByM0(writes = 100): PlacementStore[] {
  return Array.from({ length: 10 }, (_, i) => {
    const reps = ['m0', FIVE[1 + (i % 4)]!, FIVE[1 + ((i + 1) % 4)]!];
    return store(`s${i}`, reps, 'm0', writes);
  });
}

describe('placement driver - options', () => {
  test('an option out of range is refused with its name', () => {
    expect(() => new PlacementDriver({ thresholdRatio: -1 })).toThrow(PlacementOptionsError);
    expect(() => new PlacementDriver({ maxMovesTotal: 0 })).toThrow(/maxMovesTotal/);
    expect(() => new PlacementDriver({ hotMeasurements: 1.5 })).toThrow(/hotMeasurements/);
    expect(() => new PlacementDriver({ loadFloor: Number.NaN })).toThrow(/loadFloor/);
  });
});

describe('placement driver - when it acts', () => {
  test('a member must be hot for hotMeasurements measurements in a row', () => {
    const d = new PlacementDriver({ hotMeasurements: 3 });
    const st = allLedByM0();
    expect(d.observe(input(st, 0)).moves).toEqual([]);
    expect(d.observe(input(st, 1000)).moves).toEqual([]);
    const third = d.observe(input(st, 2000));
    expect(third.moves.length).toBeGreaterThan(0);
    expect(third.moves.some((m) => m.from === 'm0')).toBe(true);
  });

  test('one cool measurement restarts the count', () => {
    const d = new PlacementDriver({ hotMeasurements: 3, countFloor: 100 });
    const hot = allLedByM0();
    const cool = allLedByM0(0).map((s, i) => ({ ...s, leader: FIVE[i % 5]! }));
    // cool: leaders spread over every member, no load: m0 not hot in any dimension.
    d.observe(input(hot, 0));
    d.observe(input(hot, 1000));
    expect(d.observe(input(cool, 2000)).moves).toEqual([]);
    expect(d.observe(input(hot, 3000)).moves).toEqual([]);
    expect(d.observe(input(hot, 4000)).moves).toEqual([]);
    expect(d.observe(input(hot, 5000)).moves.length).toBeGreaterThan(0);
  });

  test('a gap above 10% but below the floor is left alone', () => {
    // m0 leads one store of 40 w/s, everyone else one of 30 w/s: m0 is 25% above the others
    // but only a few units above the mean, under a floor of 50.
    const stores = FIVE.map((m, i) => store(`s${i}`, [m], m, m === 'm0' ? 40 : 30));
    const d = new PlacementDriver({ loadFloor: 50, countFloor: 1 });
    for (let t = 0; t < 10; t++) expect(d.observe(input(stores, t * 1000)).moves).toEqual([]);
    const low = new PlacementDriver({ loadFloor: 1, countFloor: 1 });
    let moved = 0;
    for (let t = 0; t < 10; t++) moved += low.observe(input(stores, t * 1000)).moves.length;
    // With rf 1 there is nothing to transfer to; a replica move of a leader is never made:
    // the driver hands leadership off first, and a group of one has nobody to hand it to.
    expect(moved).toBe(0);
  });

  test('an even cluster gets no moves at all', () => {
    const stores = FIVE.map((m, i) =>
      store(`s${i}`, [m, FIVE[(i + 1) % 5]!, FIVE[(i + 2) % 5]!], m, 500)
    );
    const d = new PlacementDriver({ hotMeasurements: 1 });
    for (let t = 0; t < 20; t++) expect(d.observe(input(stores, t * 1000)).moves).toEqual([]);
  });
});

describe('placement driver - which move', () => {
  test('a leadership transfer comes before a replica move', () => {
    const d = new PlacementDriver({ hotMeasurements: 1, maxMovesTotal: 1 });
    const mv = d.observe(input(allLedByM0())).moves;
    expect(mv).toHaveLength(1);
    expect(mv[0]!.kind).toBe('transfer-leader');
  });

  test('the move that most reduces the spread is chosen', () => {
    const stores = [
      store('big', ['m0', 'm1', 'm2'], 'm0', 400),
      store('mid', ['m0', 'm3', 'm4'], 'm0', 150),
      store('small', ['m0', 'm1', 'm3'], 'm0', 60),
      store('other', ['m4', 'm2', 'm3'], 'm4', 90),
    ];
    const d = new PlacementDriver({
      hotMeasurements: 1,
      maxMovesTotal: 1,
      loadFloor: 1,
      countFloor: 100,
    });
    const [mv] = d.observe(input(stores)).moves;
    expect(mv?.kind).toBe('transfer-leader');
    // Every possible transfer, scored by brute force with the load model.
    const loadOf = (leaders: Map<string, string>): number[] =>
      FIVE.map((m) =>
        stores.reduce((a, s) => {
          if (!s.replicas.includes(m)) return a;
          return a + (leaders.get(s.name) === m ? leaderCost(s.load) : followerCost(s.load));
        }, 0)
      );
    const base = new Map(stores.map((s) => [s.name, s.leader!] as const));
    const now = loadOf(base);
    const mean = now.reduce((a, b) => a + b, 0) / now.length;
    // The dead band: a target may end at most half way from the mean to the line.
    const band = mean + (Math.max(mean * 1.1, mean + 1) - mean) / 2;
    let best = { spread: spread(now), store: '', to: '' };
    for (const s of stores) {
      if (s.leader !== 'm0') continue;
      for (const to of s.replicas) {
        if (to === 'm0') continue;
        const after = loadOf(new Map(base).set(s.name, to));
        if (after[FIVE.indexOf(to)]! > band) continue;
        const sp = spread(after);
        if (sp < best.spread) best = { spread: sp, store: s.name, to };
      }
    }
    expect(best.store).not.toBe('');
    expect({ store: mv!.store, to: mv!.to }).toEqual({ store: best.store, to: best.to });
  });

  test('replica moves when no transfer helps, only of groups the hot member follows', () => {
    // m0 follows three busy stores led by others, and leads nothing: only replica moves help.
    // m0 = 3 x 150 (follower share), m1..m3 = 300 each as leaders, m4 = 0: a transfer from
    // m0 is impossible and one to m0 would make it worse.
    const stores = [
      store('a', ['m1', 'm0'], 'm1', 300),
      store('b', ['m2', 'm0'], 'm2', 300),
      store('c', ['m3', 'm0'], 'm3', 300),
    ];
    const d = new PlacementDriver({ hotMeasurements: 1, loadFloor: 1, countFloor: 100 });
    const mv = d.observe(input(stores)).moves;
    expect(mv.length).toBeGreaterThan(0);
    expect(mv.every((m) => m.to === 'm4')).toBe(true);
    for (const m of mv) {
      expect(m.kind).toBe('move-replica');
      expect(m.from).toBe('m0');
      if (m.kind === 'move-replica') {
        expect(m.replicas).not.toContain('m0');
        expect(m.replicas).toContain(m.to);
        expect(m.replicas).toHaveLength(2);
      }
    }
  });

  test('at most maxMovesPerMember per member and maxMovesTotal in all', () => {
    const d = new PlacementDriver({ hotMeasurements: 1, maxMovesPerMember: 1, maxMovesTotal: 3 });
    const mv = d.observe(input(allLedByM0())).moves;
    expect(mv).toHaveLength(1); // every move involves m0
    const d2 = new PlacementDriver({ hotMeasurements: 1, maxMovesPerMember: 10, maxMovesTotal: 3 });
    expect(d2.observe(input(allLedByM0())).moves).toHaveLength(3);
  });

  test('moves still in flight count against the limits', () => {
    // s0's configuration does not match the map yet: a replica move m4 -> m3 in flight.
    const st = allLedByM0();
    st[0] = { ...st[0]!, confVoters: ['m0', 'm1', 'm4'], replicas: ['m0', 'm1', 'm3'] };
    const d = new PlacementDriver({ hotMeasurements: 1, maxMovesPerMember: 1, maxMovesTotal: 4 });
    const dec = d.observe(input(st));
    expect(dec.inFlight).toBe(1);
    // m0 is not part of that move, so it may take one; the moving store itself is left alone.
    expect(dec.moves.length).toBeLessThanOrEqual(1);
    expect(dec.moves.some((m) => m.store === 's0')).toBe(false);
  });

  test('a transfer asked for is in flight until the leader changes or it times out', () => {
    const d = new PlacementDriver({
      hotMeasurements: 1,
      maxMovesPerMember: 1,
      transferTimeoutMs: 5000,
    });
    const st = allLedByM0();
    const first = d.observe(input(st, 0)).moves;
    expect(first).toHaveLength(1);
    // Nothing changed yet: m0 already has a move in flight, so no new one.
    expect(d.observe(input(st, 1000)).inFlight).toBe(1);
    expect(d.observe(input(st, 2000)).moves).toEqual([]);
    // After the timeout the driver may try again.
    expect(d.observe(input(st, 7000)).moves).toHaveLength(1);
  });
});

describe('placement driver - quorum and self-healing', () => {
  test('no replica move while another replica of the group is unavailable', () => {
    const stores = [
      store('a', ['m1', 'm0', 'm2'], 'm1', 300),
      store('b', ['m2', 'm0', 'm3'], 'm2', 300),
      store('c', ['m3', 'm0', 'm1'], 'm3', 300),
    ];
    // m2 is briefly unavailable (not yet past the timeout): a and b must not move.
    const d = new PlacementDriver({ hotMeasurements: 1, loadFloor: 1, countFloor: 100 });
    const mv = d.observe(input(stores, 0, { m2: 500 })).moves;
    expect(mv.some((m) => m.store === 'a' || m.store === 'b')).toBe(false);
  });

  test('a member down past the timeout has its replicas re-created on the others', () => {
    const stores = [
      store('a', ['m0', 'm1', 'm2'], 'm1', 10),
      store('b', ['m0', 'm3', 'm4'], 'm3', 10),
      store('c', ['m1', 'm2', 'm3'], 'm1', 10),
    ];
    const d = new PlacementDriver({ memberDownTimeoutMs: 30_000, maxMovesTotal: 10 });
    expect(d.observe(input(stores, 0, { m0: 29_000 })).moves).toEqual([]);
    const mv = d.observe(input(stores, 1000, { m0: 31_000 })).moves;
    expect(mv.map((m) => [m.kind, m.store, m.from, m.reason])).toEqual([
      ['move-replica', 'a', 'm0', 'repair'],
      ['move-replica', 'b', 'm0', 'repair'],
    ]);
    for (const m of mv) {
      if (m.kind !== 'move-replica') continue;
      expect(m.replicas).not.toContain('m0');
      expect(new Set(m.replicas).size).toBe(3);
    }
  });

  test('no repair of a group that has lost its quorum', () => {
    const stores = [store('a', ['m0', 'm1', 'm2'], 'm2', 10)];
    const d = new PlacementDriver({ memberDownTimeoutMs: 1000 });
    expect(d.observe(input(stores, 0, { m0: 5000, m1: 5000 })).moves).toEqual([]);
  });
});

describe('placement driver - simulated cluster', () => {
  test('steady skewed load converges: every member within the threshold, then zero moves', () => {
    // 5 members, 20 stores by HRW; two stores take 20x the writes of the others.
    const sim = SimCluster.hrw(FIVE, 20, (i) => load(i < 2 ? 400 : 20, i < 2 ? 200 : 10));
    // Worst case to start from: every store led by the same member.
    for (const s of sim.stores) {
      if (!s.replicas.includes('m0')) s.replicas = ['m0', ...s.replicas.slice(1)];
      s.leader = 'm0';
    }
    const d = new PlacementDriver();
    let lastMoveStep = -1;
    for (let step = 0; step < 400; step++) {
      if (sim.step(d).moves.length > 0) lastMoveStep = step;
    }
    expect(sim.applied.length).toBeGreaterThan(0);
    // Settled long before the end: the last 100 measurements proposed nothing.
    expect(lastMoveStep).toBeLessThan(300);
    const final = d.observe(sim.input());
    expect(final.moves).toEqual([]);
    const mean = (k: 'load' | 'leaders' | 'replicas'): number =>
      final.scores.reduce((a, s) => a + s[k], 0) / final.scores.length;
    // Load comes first: with two stores this heavy, counts give way to it.
    for (const s of final.scores)
      expect(s.load).toBeLessThanOrEqual(Math.max(mean('load') * 1.1, mean('load') + 50));
    // The two heavy stores are led by different members.
    expect(sim.stores[0]!.leader).not.toBe(sim.stores[1]!.leader);
    // Every store keeps three distinct replicas.
    for (const s of sim.stores) expect(new Set(s.replicas).size).toBe(3);
  });

  test('even load, every leadership on one member: leader and replica counts even out', () => {
    const sim = SimCluster.hrw(FIVE, 20, () => load(20));
    for (const s of sim.stores) {
      if (!s.replicas.includes('m0')) s.replicas = ['m0', ...s.replicas.slice(1)];
      s.leader = 'm0';
    }
    const d = new PlacementDriver();
    for (let step = 0; step < 300; step++) sim.step(d);
    const final = d.observe(sim.input());
    expect(final.moves).toEqual([]);
    for (const s of final.scores) {
      expect(s.leaders).toBeLessThanOrEqual(5); // mean 4, floor 1
      expect(s.replicas).toBeLessThanOrEqual(13); // mean 12, floor 1
    }
  });

  test('a member down past the timeout: every store back at rf on the others; on return it is reused', () => {
    const sim = SimCluster.hrw(FIVE, 20, () => load(20));
    const d = new PlacementDriver({ memberDownTimeoutMs: 10_000 });
    for (let i = 0; i < 10; i++) sim.step(d);
    sim.down('m2');
    for (let i = 0; i < 60; i++) sim.step(d);
    for (const s of sim.stores) {
      expect(s.replicas).not.toContain('m2');
      expect(new Set(s.replicas).size).toBe(3);
    }
    sim.unavailableSince.delete('m2');
    for (let i = 0; i < 200; i++) sim.step(d);
    const onM2 = sim.stores.filter((s) => s.replicas.includes('m2')).length;
    // 60 replicas over 5 members: m2 is cold (below min(12 * 0.9, 12 - 1)) and takes replicas
    // until it is not, and nobody is above the line (mean 12 + floor 1).
    expect(onM2).toBeGreaterThanOrEqual(11);
    for (const m of FIVE)
      expect(sim.stores.filter((s) => s.replicas.includes(m)).length).toBeLessThanOrEqual(13);
    const movesAfter = sim.applied.length;
    for (let i = 0; i < 50; i++) sim.step(d);
    expect(sim.applied.length).toBe(movesAfter);
  });
});

describe('placement driver - noisy measurements', () => {
  test('loads wobbling by 8% around a skew (measured rates, smoothed): no store moved twice within the cooldown, and the moves stop', () => {
    const base = (i: number): number => (i < 2 ? 120 : 20);
    const sim = SimCluster.hrw(FIVE, 20, (i) => load(base(i), base(i)));
    for (const s of sim.stores) s.leader = s.replicas[0]!;
    const d = new PlacementDriver({ loadFloor: 5, storeCooldownMs: 30_000 });
    let seed = 12345;
    const rand = (): number => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed / 2 ** 32;
    };
    const movedAt = new Map<string, number>();
    const early: string[] = [];
    for (let step = 0; step < 600; step++) {
      sim.stores.forEach((s, i) => {
        const w = base(i) * (0.92 + 0.16 * rand());
        s.load = load(w, w);
      });
      for (const mv of sim.step(d).moves) {
        if (mv.reason === 'repair') continue;
        const prev = movedAt.get(mv.store);
        if (prev !== undefined && sim.nowMs - prev < 30_000) early.push(`${mv.store}@${step}`);
        movedAt.set(mv.store, sim.nowMs);
      }
    }
    expect(early).toEqual([]);
    const total = sim.applied.length;
    expect(total).toBeGreaterThan(0);
    // The moves run out even though every measurement differs.
    const lastMove = Math.max(...[...movedAt.values()]);
    expect(sim.nowMs - lastMove).toBeGreaterThan(200_000);
  });
});
