/** HRW placement: a pinned hash, even spread, and minimal movement when membership changes. */
import {
  desiredReplicas,
  hrwRank,
  hrwScore,
  placeStore,
  type StoreRecord,
} from '../../node/src/cluster/map/index.js';

const FIVE = ['broker-0', 'broker-1', 'broker-2', 'broker-3', 'broker-4'];
const NAMES = Array.from({ length: 1000 }, (_, i) => `store-${i}`);

function storeOf(name: string, replicas: string[], rf = 3): StoreRecord {
  return {
    name,
    group: `s-${name}-1`,
    replicationFactor: rf,
    options: { maxKeys: 0, maxBytes: 0 },
    replicas,
    learners: [],
    createdIndex: 1,
    deleting: false,
    initialReplicas: replicas.map((r) => `${r}@0`),
  };
}

describe('placement - the HRW hash', () => {
  test('score is the first 64 bits of SHA-256(key NUL member), pinned so placement never changes across versions', () => {
    // printf 'conn\0a' | sha256sum -> d8b38f945dbe40e9...
    expect(hrwScore('conn', 'a')).toBe(0xd8b38f945dbe40e9n);
    expect(hrwRank('conn', ['a', 'b', 'c', 'd', 'e'])).toEqual(['d', 'a', 'e', 'b', 'c']);
    expect(hrwRank('dns', FIVE)).toEqual([
      'broker-1',
      'broker-0',
      'broker-4',
      'broker-2',
      'broker-3',
    ]);
  });

  test('the separator keeps (key, member) pairs apart that concatenate alike', () => {
    expect(hrwScore('ab', 'c')).not.toBe(hrwScore('a', 'bc'));
  });

  test('rank depends on the set of members, not their order, and drops duplicates', () => {
    const ranked = hrwRank('conn', FIVE);
    expect(hrwRank('conn', [...FIVE].reverse())).toEqual(ranked);
    expect(hrwRank('conn', [...FIVE, ...FIVE])).toEqual(ranked);
    expect([...ranked].sort()).toEqual(FIVE);
  });

  test('removing a member keeps the relative order of the others', () => {
    for (const name of NAMES.slice(0, 100)) {
      const ranked = hrwRank(name, FIVE);
      for (const gone of FIVE) {
        expect(
          hrwRank(
            name,
            FIVE.filter((m) => m !== gone)
          )
        ).toEqual(ranked.filter((m) => m !== gone));
      }
    }
  });

  test('placeStore is the top rf of the ranking (all members when rf exceeds them)', () => {
    expect(placeStore('dns', 3, FIVE)).toEqual(['broker-1', 'broker-0', 'broker-4']);
    expect(placeStore('dns', 9, FIVE)).toHaveLength(5);
    expect(placeStore('dns', 0, FIVE)).toEqual([]);
    expect(placeStore('dns', 3, [])).toEqual([]);
  });
});

describe('placement - spread', () => {
  test.each([
    ['broker-0..4', FIVE],
    ['a..e', ['a', 'b', 'c', 'd', 'e']],
    ['p1..p5', ['p1', 'p2', 'p3', 'p4', 'p5']],
  ])(
    '1,000 stores with rf=3 over 5 members (%s): every member within +-10%% of 600',
    (_label, members) => {
      const count = new Map(members.map((m) => [m, 0]));
      for (const name of NAMES) {
        const placed = placeStore(name, 3, members);
        expect(new Set(placed).size).toBe(3);
        for (const m of placed) count.set(m, (count.get(m) as number) + 1);
      }
      for (const [, n] of count) {
        expect(n).toBeGreaterThanOrEqual(540);
        expect(n).toBeLessThanOrEqual(660);
      }
    }
  );
});

describe('placement - desiredReplicas', () => {
  const placed = NAMES.map((name) => storeOf(name, placeStore(name, 3, FIVE)));

  test.each(FIVE)(
    'removing %s of 5 moves only the stores that had it, each by exactly one replica',
    (gone) => {
      const eligible = FIVE.filter((m) => m !== gone);
      let moved = 0;
      for (const s of placed) {
        const want = desiredReplicas(s, eligible);
        if (!s.replicas.includes(gone)) {
          expect(want).toEqual(s.replicas);
          continue;
        }
        moved++;
        expect(want).toHaveLength(3);
        expect(want.filter((m) => !s.replicas.includes(m))).toHaveLength(1);
        expect(s.replicas.filter((m) => !want.includes(m))).toEqual([gone]);
        // The replacement is the one fresh placement over the remaining members would choose.
        expect([...want].sort()).toEqual(placeStore(s.name, 3, eligible).sort());
      }
      // Its share: about 3/5 of the stores.
      expect(moved).toBeGreaterThanOrEqual(540);
      expect(moved).toBeLessThanOrEqual(660);
    }
  );

  test('a member joining moves nothing (spreading onto it is the placement driver’s move)', () => {
    for (const s of placed) expect(desiredReplicas(s, [...FIVE, 'broker-5'])).toEqual(s.replicas);
  });

  test('kept replicas keep their order; the refill comes last', () => {
    const s = storeOf('conn', ['c', 'x', 'a']);
    const want = desiredReplicas(s, ['a', 'b', 'c', 'd', 'e']);
    expect(want.slice(0, 2)).toEqual(['c', 'a']);
    expect(want[2]).toBe('d'); // the best-ranked of the rest: rank is d, a, e, b, c
  });

  test('more eligible replicas than rf: the lowest-ranked are dropped, order kept', () => {
    const s = storeOf('conn', ['c', 'b', 'a', 'd'], 3);
    // rank d, a, e, b, c: c is lowest.
    expect(desiredReplicas(s, ['a', 'b', 'c', 'd', 'e'])).toEqual(['b', 'a', 'd']);
  });

  test('fewer eligible members than rf: the result is short, never a non-eligible member', () => {
    const s = storeOf('conn', ['a', 'b', 'c']);
    expect(desiredReplicas(s, ['a', 'd'])).toEqual(['a', 'd']);
    expect(desiredReplicas(s, [])).toEqual([]);
  });

  test('a draining member (left out of eligible) loses exactly its replica', () => {
    const s = storeOf('dns', placeStore('dns', 3, FIVE));
    const drained = s.replicas[1] as string;
    const want = desiredReplicas(
      s,
      FIVE.filter((m) => m !== drained)
    );
    expect(want).not.toContain(drained);
    expect(want.filter((m) => s.replicas.includes(m))).toEqual(
      s.replicas.filter((m) => m !== drained)
    );
  });
});
