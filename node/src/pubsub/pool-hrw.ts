/**
 * Rendezvous (highest random weight) hashing for pools: each member scores each key and the
 * highest score wins. When a member leaves, only the keys it held move (to their second-best
 * member); when one joins, it takes only the keys it now scores highest on, about 1/N.
 */

// A module-level alias instead of the global: in a vm context (jest runs tests in one) every
// lookup of a global such as Math goes through the context's interceptor, which made the hash
// over 10 times slower there.
const imul = Math.imul;

/** MurmurHash3 (x86, 32-bit) of `bytes` with `seed`: a fast, well-mixed 32-bit hash. */
export function murmur3(bytes: Uint8Array, seed: number): number {
  let h = seed >>> 0;
  const n = bytes.length;
  const blocks = n & ~3;
  for (let i = 0; i < blocks; i += 4) {
    let k =
      (bytes[i] as number) |
      ((bytes[i + 1] as number) << 8) |
      ((bytes[i + 2] as number) << 16) |
      ((bytes[i + 3] as number) << 24);
    k = imul(k, 0xcc9e2d51);
    k = (k << 15) | (k >>> 17);
    k = imul(k, 0x1b873593);
    h ^= k;
    h = (h << 13) | (h >>> 19);
    h = (imul(h, 5) + 0xe6546b64) | 0;
  }
  const rest = n & 3;
  if (rest > 0) {
    let k = bytes[blocks] as number;
    if (rest > 1) k ^= (bytes[blocks + 1] as number) << 8;
    if (rest > 2) k ^= (bytes[blocks + 2] as number) << 16;
    k = imul(k, 0xcc9e2d51);
    k = (k << 15) | (k >>> 17);
    k = imul(k, 0x1b873593);
    h ^= k;
  }
  h ^= n;
  h ^= h >>> 16;
  h = imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

const MEMBER_SEED = 0x5bd1e995;

/**
 * A member as HRW sees it: its id and the seed derived from it, computed once so that scoring
 * a key costs one hash per member.
 */
export interface HrwMember {
  readonly id: string;
  readonly seed: number;
}

export function hrwMember(id: string): HrwMember {
  return { id, seed: murmur3(Buffer.from(id, 'utf8'), MEMBER_SEED) };
}

/**
 * The member that owns `key`: the highest murmur3(key, member seed); ties (rare, 32-bit
 * scores) go to the smaller id, so every peer with the same member list picks the same one.
 * Undefined when there are no members.
 */
export function pickHrw<M extends HrwMember>(
  key: Uint8Array,
  members: readonly M[]
): M | undefined {
  let best: M | undefined;
  let bestScore = -1;
  for (const m of members) {
    const s = murmur3(key, m.seed);
    if (s > bestScore || (s === bestScore && best !== undefined && m.id < best.id)) {
      best = m;
      bestScore = s;
    }
  }
  return best;
}
