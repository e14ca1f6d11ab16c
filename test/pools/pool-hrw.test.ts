import { describe, expect, it } from '@jest/globals';
import { hrwMember, murmur3, pickHrw } from '../../node/src/pubsub/pool-hrw.js';

const scratch = new Uint8Array(32);

/** The bytes of key i (ASCII "key-<i>"), in a reused buffer (valid until the next call). */
function keyBytes(i: number): Uint8Array {
  const s = `key-${i}`;
  for (let j = 0; j < s.length; j++) scratch[j] = s.charCodeAt(j);
  return scratch.subarray(0, s.length);
}

describe('rendezvous hashing over pool members', () => {
  it('matches the MurmurHash3 x86_32 reference values', () => {
    // Published test vectors of MurmurHash3_x86_32.
    expect(murmur3(Buffer.alloc(0), 0)).toBe(0);
    expect(murmur3(Buffer.alloc(0), 1)).toBe(0x514e28b7);
    expect(murmur3(Buffer.from('Hello, world!'), 1234)).toBe(0xfaf6cdb3);
    expect(murmur3(Buffer.from('The quick brown fox jumps over the lazy dog'), 0x9747b28c)).toBe(
      0x2fa826cd
    );
  });

  it("spreads 1,000,000 keys over 5 members within 5% of even, and a leave moves only the leaver's keys", () => {
    const N = 1_000_000;
    const members = ['a/1', 'b/2', 'c/3', 'd/4', 'e/5'].map(hrwMember);
    const owner = new Uint8Array(N);
    const counts = [0, 0, 0, 0, 0];
    const index = new Map(members.map((m, i) => [m.id, i]));
    for (let i = 0; i < N; i++) {
      const m = pickHrw(keyBytes(i), members);
      const at = index.get(m!.id)!;
      owner[i] = at;
      counts[at]!++;
    }
    for (const c of counts) {
      expect(c).toBeGreaterThanOrEqual((N / 5) * 0.95);
      expect(c).toBeLessThanOrEqual((N / 5) * 1.05);
    }
    // Member c/3 leaves: its keys spread over the others, every other key stays put.
    const rest = members.filter((m) => m.id !== 'c/3');
    const gained = [0, 0, 0, 0, 0];
    let moved = 0;
    let othersMoved = 0;
    for (let i = 0; i < N; i++) {
      const at = index.get(pickHrw(keyBytes(i), rest)!.id)!;
      if (owner[i] === 2) {
        moved++;
        gained[at]!++;
      } else if (at !== owner[i]) {
        othersMoved++;
      }
    }
    expect(othersMoved).toBe(0);
    expect(moved).toBe(counts[2]);
    // The leaver's share is itself spread about evenly (each takes roughly a quarter).
    for (const i of [0, 1, 3, 4]) {
      expect(gained[i]!).toBeGreaterThan(counts[2]! * 0.2);
      expect(gained[i]!).toBeLessThan(counts[2]! * 0.3);
    }
    // It joins again: exactly its old keys come back, nothing else moves.
    for (let i = 0; i < N; i += 7)
      expect(index.get(pickHrw(keyBytes(i), members)!.id)).toBe(owner[i]);
  }, 120_000);

  it('a joining member takes about 1/N of the keys, all from the others, none moved among them', () => {
    const N = 200_000;
    const four = ['a/1', 'b/2', 'c/3', 'd/4'].map(hrwMember);
    const five = [...four, hrwMember('e/5')];
    let taken = 0;
    let movedElsewhere = 0;
    for (let i = 0; i < N; i++) {
      const before = pickHrw(keyBytes(i), four)!.id;
      const after = pickHrw(keyBytes(i), five)!.id;
      if (after === 'e/5') taken++;
      else if (after !== before) movedElsewhere++;
    }
    expect(movedElsewhere).toBe(0);
    expect(taken).toBeGreaterThan((N / 5) * 0.95);
    expect(taken).toBeLessThan((N / 5) * 1.05);
  });

  it('picks the same member whatever the order of the list, and none from an empty list', () => {
    const members = ['x/1', 'y/1', 'z/9'].map(hrwMember);
    for (let i = 0; i < 1000; i++) {
      expect(pickHrw(keyBytes(i), members)!.id).toBe(
        pickHrw(keyBytes(i), [...members].reverse())!.id
      );
    }
    expect(pickHrw(keyBytes(1), [])).toBeUndefined();
  });
});
