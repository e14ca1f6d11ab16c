import type { Entry } from '../../node/src/raft/types.js';
import { EntryType } from '../../node/src/raft/types.js';
import { parseCliArgs } from './cli-args.js';
import { InvariantViolationError, SimUsageError } from './errors.js';
import { entryDigest, InvariantTracker } from './invariants.js';
import { Prng } from './prng.js';

const entry = (index: number, term: number, text: string): Entry => ({
  index,
  term,
  type: EntryType.Normal,
  data: new TextEncoder().encode(text),
});

function violated(fn: () => void): string | undefined {
  try {
    fn();
  } catch (err) {
    if (err instanceof InvariantViolationError) return err.invariant;
    throw err;
  }
  return undefined;
}

describe('sim invariants - each check fires on its violation', () => {
  it('election safety: one leader per term', () => {
    const t = new InvariantTracker();
    t.electionSafety('n1', 3);
    t.electionSafety('n1', 3);
    t.electionSafety('n2', 4);
    expect(violated(() => t.electionSafety('n2', 3))).toBe('election-safety');
  });

  it('log matching: same index and term means same entry and same predecessor', () => {
    const t = new InvariantTracker();
    t.logMatching('n1', entry(5, 2, 'a'), 2);
    t.logMatching('n2', entry(5, 2, 'a'), 2);
    expect(violated(() => t.logMatching('n3', entry(5, 2, 'b'), 2))).toBe('log-matching');
    expect(violated(() => t.logMatching('n3', entry(5, 2, 'a'), 1))).toBe('log-matching');
    // Unknown predecessor (compacted) is not held against anyone.
    expect(violated(() => t.logMatching('n3', entry(5, 2, 'a'), undefined))).toBeUndefined();
  });

  it('committed entries never change', () => {
    const t = new InvariantTracker();
    const e = entry(4, 2, 'x');
    t.committedEntry('n1', 4, 2, entryDigest(e));
    t.committedEntry('n2', 4, 2, entryDigest(e));
    expect(violated(() => t.committedEntry('n3', 4, 3, entryDigest(entry(4, 3, 'x'))))).toBe(
      'committed-immutable'
    );
    expect(violated(() => t.committedEntry('n3', 4, 2, entryDigest(entry(4, 2, 'y'))))).toBe(
      'committed-immutable'
    );
  });

  it('a leader elected after a commit holds the committed entry', () => {
    const t = new InvariantTracker();
    t.observeTerm(2);
    t.committedEntry('n1', 1, 2, 'd');
    // A deposed leader of the same term may lack it.
    expect(violated(() => t.leaderCompleteness('n2', 2, () => 1))).toBeUndefined();
    t.observeTerm(3);
    expect(violated(() => t.leaderCompleteness('n2', 3, () => 2))).toBeUndefined();
    expect(violated(() => t.leaderCompleteness('n3', 3, () => 1))).toBe('leader-completeness');
    // Compacted at the leader: nothing to compare.
    expect(violated(() => t.leaderCompleteness('n3', 3, () => undefined))).toBeUndefined();
  });

  it('applied prefixes, snapshots and votes agree', () => {
    const t = new InvariantTracker();
    t.appliedEntry('n1', entry(2, 1, 'p'));
    expect(violated(() => t.appliedEntry('n2', entry(2, 1, 'q')))).toBe('applied-prefix');
    t.snapshotState('n1', 9, new Uint8Array([1, 2]));
    expect(violated(() => t.snapshotState('n2', 9, new Uint8Array([1, 3])))).toBe(
      'state-machine-agreement'
    );
    t.singleVote('n1', 5, 'n2');
    t.singleVote('n1', 5, '');
    expect(violated(() => t.singleVote('n1', 5, 'n3'))).toBe('single-vote');
  });

  it('a skipped invariant is not enforced, the others still are', () => {
    const t = new InvariantTracker(new Set(['single-vote']));
    t.singleVote('n1', 5, 'n2');
    expect(violated(() => t.singleVote('n1', 5, 'n3'))).toBeUndefined();
    t.electionSafety('n1', 1);
    expect(violated(() => t.electionSafety('n2', 1))).toBe('election-safety');
  });
});

describe('sim PRNG and CLI arguments', () => {
  it('the generator is deterministic per seed and roughly uniform', () => {
    const a = new Prng(42);
    const b = new Prng(42);
    const xs = Array.from({ length: 1000 }, () => a.next());
    expect(Array.from({ length: 1000 }, () => b.next())).toEqual(xs);
    expect(new Prng(43).next()).not.toBe(xs[0]);
    const buckets = new Array<number>(10).fill(0);
    const r = new Prng(7);
    for (let i = 0; i < 100_000; i++) buckets[r.int(10)]!++;
    for (const n of buckets) expect(Math.abs(n - 10_000)).toBeLessThan(600);
  });

  it('parses the documented arguments', () => {
    const o = parseCliArgs([
      '--nodes',
      '5',
      '--seeds',
      '1000',
      '--seed-base',
      '424242',
      '--steps',
      '3000',
    ]);
    expect(o).toMatchObject({ nodes: 5, seeds: 1000, seedBase: 424242, steps: 3000, trace: false });
    expect(parseCliArgs(['--seed', '27', '--trace', '--mutation', 'drop-vote'])).toMatchObject({
      seed: 27,
      trace: true,
      mutation: 'drop-vote',
    });
  });

  it('rejects bad arguments with a message naming them', () => {
    expect(() => parseCliArgs(['--nodes', 'three'])).toThrow(SimUsageError);
    expect(() => parseCliArgs(['--nodes', 'three'])).toThrow(
      /--nodes must be a non-negative integer/
    );
    expect(() => parseCliArgs(['--nodes', '0'])).toThrow(/--nodes must be in \[1, 9\]/);
    expect(() => parseCliArgs(['--steps'])).toThrow(/--steps needs a value/);
    expect(() => parseCliArgs(['--bogus'])).toThrow(/unknown argument '--bogus'/);
    expect(() => parseCliArgs(['--trace'])).toThrow(/--trace needs --seed/);
    expect(() => parseCliArgs(['--mutation', 'x'])).toThrow(/--mutation must be one of/);
    expect(() => parseCliArgs(['--skip-invariant', 'nope'])).toThrow(/--skip-invariant must name/);
  });
});
