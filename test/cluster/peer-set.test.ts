import { describe, expect, it } from '@jest/globals';
import { MAX_LEARNED_PEERS, PeerSet } from '../../node/src/transport/peer-set.js';

// The pure part of learning peers from the cluster map: which peers to dial, admit, forget.

const statics = [{ id: 'a', address: { host: 'a.peers', port: 7400 } }];
const member = (id: string, address = `${id}.peers:7400`, removed = false) => ({
  id,
  address,
  removed,
});

describe('PeerSet', () => {
  it('learns map members other than itself and the static peers, and reports what changed', () => {
    const s = new PeerSet('b', statics);
    const c1 = s.update([member('a', 'elsewhere:1'), member('b'), member('c'), member('d')]);
    expect(c1.added.map((p) => p.id)).toEqual(['c', 'd']);
    expect(c1.removed).toEqual([]);
    expect(s.size).toBe(2);
    // The static address wins over what the map says.
    expect(s.lookup('a')).toEqual({ host: 'a.peers', port: 7400 });
    expect(s.lookup('c')).toEqual({ host: 'c.peers', port: 7400 });
    expect(s.has('b')).toBe(false);
    // Unchanged members are not added again; removed and vanished ones are forgotten.
    const c2 = s.update([member('c'), member('d', 'd.peers:7400', true)]);
    expect(c2.added).toEqual([]);
    expect(c2.removed).toEqual(['d']);
    expect(s.has('d')).toBe(false);
    // A moved member is forgotten at its old address and learned at the new one.
    const c3 = s.update([member('c', 'c2.peers:7401')]);
    expect(c3.removed).toEqual(['c']);
    expect(c3.added).toEqual([{ id: 'c', address: { host: 'c2.peers', port: 7401 } }]);
  });

  it('skips a member with a bad address, naming it, and keeps the others', () => {
    const s = new PeerSet('b', statics);
    const c = s.update([member('c', 'no port'), member('d')]);
    expect(c.rejected).toHaveLength(1);
    expect(c.rejected[0]).toMatch(/cluster map member c: expected HOST:PORT/);
    expect(c.added.map((p) => p.id)).toEqual(['d']);
  });

  it('is bounded', () => {
    const s = new PeerSet('self', []);
    const many = Array.from({ length: MAX_LEARNED_PEERS + 3 }, (_, i) => member(`p${i}`));
    const c = s.update(many);
    expect(s.size).toBe(MAX_LEARNED_PEERS);
    expect(c.rejected).toHaveLength(3);
  });
});
