/**
 * No thrash on measured load: the driver fed the way the meta leader feeds it (closed-loop
 * operations counted per one-second window where real peers count them, each peer's
 * LoadMeter, the GroupLoadView), at constant skewed load, as in the real-peer test
 * (test/cluster/rebalance-settle.test.ts): 5 members, 20 stores, two with 4x the operations,
 * about 300 operations per second in all (a dozen per ordinary store: noisy windows).
 *
 * This is the real failure, reproduced: before the view added up every replica's report,
 * the latches, the wider margin for count moves and the parking of count moves, the same
 * runs kept moving for the whole 15 minutes (load and leader-count moves taking turns on
 * the same members, 10-20 moves after the first 5 minutes per run).
 */
import { GroupLoadView, PlacementDriver } from '../../node/src/cluster/placement/index.js';
import { NoisyCluster } from './noisy-cluster.js';

const FIVE = ['a', 'b', 'c', 'd', 'e'];
const WEIGHTS = Array.from({ length: 20 }, (_, i) => (i === 3 || i === 11 ? 4 : 1));
const SETTLE_MS = 300_000;

function run(seed: number, steps: number): NoisyCluster {
  const sim = new NoisyCluster({
    members: FIVE,
    weights: WEIGHTS,
    opsPerSec: 300,
    readFraction: 0.5,
    drift: 0.02,
    seed,
    catchUpWindows: 3,
  });
  const driver = new PlacementDriver({ loadFloor: 5 });
  for (let i = 0; i < steps; i++) sim.step(driver);
  return sim;
}

const describeMove = (m: NoisyCluster['applied'][number]): string =>
  `${m.atMs / 1000}s ${m.move.kind} ${m.move.store} ${m.move.from}->${m.move.to} (${m.move.reason})`;

describe('placement driver - no thrash on measured load', () => {
  test.each([1, 2, 3, 4, 5, 6, 7, 8, 9, 10])(
    'seed %i, 15 minutes: balanced within 5, then at most one move (a load move, never a count move) and no store moved back',
    (seed) => {
      const sim = run(seed, 900);
      const early = sim.applied.filter((m) => m.atMs <= SETTLE_MS);
      const late = sim.applied.filter((m) => m.atMs > SETTLE_MS);
      expect(early.length).toBeGreaterThan(0);
      // Noise alone can still push a member that sits near the line over it now and then;
      // the move off it lands well inside the band, so it does not start a chain.
      expect({ seed, late: late.length <= 1 }).toEqual({ seed, late: true });
      expect(late.filter((m) => m.move.reason !== 'load').map(describeMove)).toEqual([]);
      const reversed = late.filter((m) =>
        sim.applied.some(
          (p) =>
            p.atMs < m.atMs &&
            p.move.store === m.move.store &&
            p.move.from === m.move.to &&
            p.move.to === m.move.from
        )
      );
      expect(reversed.map(describeMove)).toEqual([]);
      // Balanced at the end: every member within the load line.
      const final = sim.step(new PlacementDriver({ loadFloor: 5, hotMeasurements: 1000 }));
      const mean = final.scores.reduce((a, s) => a + s.load, 0) / final.scores.length;
      for (const s of final.scores) expect(s.load).toBeLessThanOrEqual(mean * 1.1 + 1e-9);
    }
  );

  test('over the ten runs, the minutes after settling hold at most two moves in all', () => {
    let late = 0;
    for (let seed = 1; seed <= 10; seed++)
      late += run(seed, 900).applied.filter((m) => m.atMs > SETTLE_MS).length;
    expect(late).toBeLessThanOrEqual(2);
  });
});

describe('group load view', () => {
  const l = (writesPerSec: number, readsPerSec: number, bytesPerSec = 0) => ({
    writesPerSec,
    readsPerSec,
    bytesPerSec,
  });

  test('adds up every replica: the load is the same whoever leads', () => {
    const v = new GroupLoadView(1);
    const a = v.observe('g', [
      { leader: true, load: l(10, 4, 600) },
      { leader: false, load: l(0, 3) },
      { leader: false, load: l(0, 5) },
    ]);
    expect(a).toEqual(l(10, 12, 600));
    // Leadership moved: the old leader's writes fade while the new one's rise; the sum holds.
    const b = v.observe('g', [
      { leader: false, load: l(5, 4, 300) },
      { leader: true, load: l(5, 3, 300) },
      { leader: false, load: l(0, 5) },
    ]);
    expect(b).toEqual(l(10, 12, 600));
  });

  test('without the leader report the last load stays; the average starts plain, then weighs the newest by its weight', () => {
    const v = new GroupLoadView(0.1);
    expect(v.observe('g', [{ leader: false, load: l(0, 9) }])).toEqual(l(0, 0));
    v.observe('g', [{ leader: true, load: l(10, 0) }]);
    expect(v.observe('g', [{ leader: true, load: l(20, 0) }]).writesPerSec).toBeCloseTo(15, 9);
    expect(v.observe('g', [{ leader: false, load: l(0, 1) }]).writesPerSec).toBeCloseTo(15, 9);
    for (let i = 0; i < 7; i++) v.observe('g', [{ leader: true, load: l(15, 0) }]);
    // Past ten measurements, the newest weighs 0.1.
    expect(v.observe('g', [{ leader: true, load: l(115, 0) }]).writesPerSec).toBeCloseTo(25, 9);
    v.retain([]);
    expect(v.get('g')).toEqual(l(0, 0));
    expect(() => new GroupLoadView(0)).toThrow(RangeError);
  });
});
