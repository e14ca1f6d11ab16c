/** LoadMeter: counts per measurement turned into smoothed per-second rates. */
import { LoadMeter } from '../../node/src/cluster/placement/index.js';

describe('load meter', () => {
  test('steady counts converge to their per-second rate; quiet groups fade out', () => {
    const m = new LoadMeter();
    m.sample(0, ['g']);
    let r = m.sample(0, ['g']).get('g')!;
    for (let t = 1; t <= 20; t++) {
      for (let i = 0; i < 200; i++) m.recordWrite('g', 100); // 200 writes per 2 s
      m.recordRead('g', 50);
      r = m.sample(t * 2000, ['g']).get('g')!;
    }
    expect(r.writesPerSec).toBeCloseTo(100, 3);
    expect(r.bytesPerSec).toBeCloseTo(10_000, 1);
    expect(r.readsPerSec).toBeCloseTo(25, 3);
    r = m.sample(42_000, ['g']).get('g')!;
    expect(r.writesPerSec).toBeCloseTo(50, 3); // one quiet measurement halves it
    for (let t = 22; t < 40; t++) r = m.sample(t * 2000, ['g']).get('g')!;
    expect(r.writesPerSec).toBeLessThan(0.01);
  });

  test('groups not held any more are dropped; a new group starts at zero', () => {
    const m = new LoadMeter();
    m.sample(0, ['a']);
    m.recordWrite('a', 1);
    expect(m.sample(1000, ['a']).get('a')!.writesPerSec).toBeCloseTo(0.5, 6);
    const next = m.sample(2000, ['b']);
    expect([...next.keys()]).toEqual(['b']);
    expect(next.get('b')!.writesPerSec).toBe(0);
  });
});
