import { EventHistory, StoreInvariantError } from '../../node/src/store/index.js';
import type { StoreEvent } from '../../node/src/store/index.js';
import { Harness, s } from './helpers.js';

const ev = (index: number, key = 'k'): StoreEvent => ({
  type: 'erase',
  key: s(key),
  index,
  publisher: 'p',
});
const indexes = (r: ReturnType<EventHistory['since']>): number[] | string =>
  Array.isArray(r) ? r.map((e) => e.index) : `compacted, oldest ${r.oldest}`;

describe('store - event history', () => {
  it('answers every event from an index on, in order', () => {
    const h = new EventHistory(10);
    h.append([ev(1)], 1);
    h.append([], 2);
    h.append([ev(3, 'a'), ev(3, 'b')], 3);
    expect(indexes(h.since(0))).toEqual([1, 3, 3]);
    expect(indexes(h.since(2))).toEqual([3, 3]);
    expect(indexes(h.since(4))).toEqual([]);
    expect(h.throughIndex).toBe(3);
  });

  it('says compacted, with the oldest answerable index, once events were dropped', () => {
    const h = new EventHistory(3);
    h.append([ev(1)], 1);
    h.append([ev(2), ev(2)], 2);
    h.append([ev(3)], 3);
    // Index 1's event was dropped: from 2 on is still whole.
    expect(indexes(h.since(1))).toBe('compacted, oldest 2');
    expect(indexes(h.since(2))).toEqual([2, 2, 3]);
    h.append([ev(4)], 4);
    // One of index 2's two events is gone: index 2 can no longer be answered.
    expect(indexes(h.since(2))).toBe('compacted, oldest 3');
    expect(indexes(h.since(3))).toEqual([3, 4]);
    expect(h.length).toBe(3);
  });

  it('a batch larger than the ring keeps only later indexes answerable', () => {
    const h = new EventHistory(2);
    h.append([ev(1), ev(1), ev(1)], 1);
    expect(indexes(h.since(1))).toBe('compacted, oldest 2');
    expect(indexes(h.since(2))).toEqual([]);
  });

  it('starts after a snapshot index, and reset forgets everything', () => {
    const h = new EventHistory(5, 100);
    expect(indexes(h.since(50))).toBe('compacted, oldest 101');
    h.append([ev(101)], 101);
    expect(indexes(h.since(101))).toEqual([101]);
    h.reset(200);
    expect(h.throughIndex).toBe(200);
    expect(indexes(h.since(150))).toBe('compacted, oldest 201');
    expect(indexes(h.since(201))).toEqual([]);
  });

  it('rejects indexes that do not increase and events of another index', () => {
    const h = new EventHistory(5);
    h.append([], 3);
    expect(() => h.append([], 3)).toThrow(StoreInvariantError);
    expect(() => h.append([ev(5)], 4)).toThrow(/event of index 5 appended at index 4/);
    expect(() => new EventHistory(0)).toThrow(/maxEvents must be a positive integer/);
  });

  it('records what the state machine emits, so a watcher resumes without gaps or duplicates', () => {
    const st = new Harness();
    const h = new EventHistory(1000);
    const seen: string[] = [];
    let next = 1;
    for (let n = 0; n < 50; n++) {
      const out = st.ok({ op: 'put', key: s(`k${n % 7}`), value: s(`${n}`) });
      h.append(out.events, st.index);
      if (n % 9 === 0) {
        // A watcher reconnects from the last index it saw + 1.
        const got = h.since(next);
        if (!Array.isArray(got)) throw new Error('compacted');
        for (const e of got) seen.push(`${e.index}`);
        next = h.throughIndex + 1;
      }
    }
    const rest = h.since(next);
    if (Array.isArray(rest)) for (const e of rest) seen.push(`${e.index}`);
    expect(seen).toEqual(Array.from({ length: 50 }, (_x, n) => `${n + 1}`));
  });
});

describe('store - event history pages', () => {
  const h = new EventHistory(100);
  h.append([ev(1)], 1);
  h.append([ev(2, 'a'), ev(2, 'b'), ev(2, 'c')], 2);
  h.append([ev(3)], 3);
  h.append([], 4);
  const pageOf = (from: number, max: number): string => {
    const p = h.page(from, max);
    return 'compacted' in p
      ? 'compacted'
      : `${p.events.map((e) => e.index).join(',')} through ${p.throughIndex}`;
  };
  it.each<[number, number, string]>([
    [1, 10, '1,2,2,2,3 through 4'],
    [1, 1, '1 through 1'],
    [1, 2, '1 through 1'],
    [1, 4, '1,2,2,2 through 2'],
    [2, 1, '2,2,2 through 2'],
    [3, 1, '3 through 4'],
    [4, 1, ' through 4'],
  ])('from %i at most %i: %s', (from, max, want) => {
    expect(pageOf(from, max)).toBe(want);
  });

  it('paging from each page end + 1 yields every event once', () => {
    for (const max of [1, 2, 3, 5]) {
      const seen: number[] = [];
      let from = 1;
      for (let guard = 0; guard < 20 && from <= h.throughIndex; guard++) {
        const p = h.page(from, max);
        if ('compacted' in p) throw new Error('compacted');
        seen.push(...p.events.map((e) => e.index));
        from = p.throughIndex + 1;
      }
      expect(seen).toEqual([1, 2, 2, 2, 3]);
    }
  });
});
