import { parseCliArgs } from './cli-args.js';
import { DEFAULT_MULTI_GROUP_RUN } from './default-run.js';
import { SimUsageError } from './errors.js';
import { runMultiGroupSeed } from './multi-group-simulation.js';
import { describeFailure, isSafetyFailure, runRange, type SeedRange } from './sim-harness.js';

const { steps, settleSteps, mutationSteps } = DEFAULT_MULTI_GROUP_RUN;

/** SIM_MULTI_SEEDS=K overrides the seed count of each range (for longer runs by hand). */
function seedsFromEnv(fallback: number): number {
  const raw = process.env['SIM_MULTI_SEEDS'];
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d+$/.test(raw) || Number(raw) < 1) {
    throw new Error(`SIM_MULTI_SEEDS must be a positive integer, got '${raw}'`);
  }
  return Number(raw);
}

const three: SeedRange = {
  ...DEFAULT_MULTI_GROUP_RUN.three,
  seeds: seedsFromEnv(DEFAULT_MULTI_GROUP_RUN.three.seeds),
};
const five: SeedRange = {
  ...DEFAULT_MULTI_GROUP_RUN.five,
  seeds: seedsFromEnv(DEFAULT_MULTI_GROUP_RUN.five.seeds),
};

describe('sim - multi-group hosts', () => {
  it('replays a seed exactly, and the groups really share hosts and batches', () => {
    const opts = { seed: 77, nodes: 5, groups: 3, steps: 800, settleSteps: 100 };
    const a = runMultiGroupSeed(opts);
    const b = runMultiGroupSeed(opts);
    expect(b.trace).toEqual(a.trace);
    expect(runMultiGroupSeed({ ...opts, seed: 78 }).trace).not.toEqual(a.trace);
    // A delivery that carries several groups' messages in one batch for one peer.
    expect(a.trace.some((l) => /deliver n\d+->n\d+ \[g\d .* \| g\d /.test(l))).toBe(true);
    // A crash in the middle of a host-wide Ready that had staged several groups' writes.
    const many = Array.from({ length: 20 }, (_, i) => runMultiGroupSeed({ ...opts, seed: i + 1 }));
    expect(many.some((r) => r.trace.some((l) => /staging [2-9] groups' writes/.test(l)))).toBe(
      true
    );
    // Groups other than g0 are founded by subsets of the five nodes (3 or 4 of them).
    expect(many.some((r) => /g[1-9]=\{n\d+(,n\d+){2,3}\}/.test(r.trace[0]!))).toBe(true);
    expect(many.every((r) => r.failure === undefined)).toBe(true);
  }, 120_000);

  for (const range of [three, five]) {
    it(`keeps every invariant per group and linearizable histories: ${range.seeds} seeds, ${range.nodes} nodes x ${range.groups} groups`, () => {
      const s = runRange(range, { steps, settleSteps });
      const report = s.failures.map((r) =>
        describeFailure(r, range.nodes, steps, settleSteps, range.groups)
      );
      expect(report).toEqual([]);
      expect(s.ran).toBe(range.seeds);
      // Sums over the three groups of every seed: a stub cluster would pass the invariants
      // but not these.
      expect(s.commits).toBeGreaterThan(range.seeds * 30);
      expect(s.leaderTerms).toBeGreaterThan(range.seeds * 6);
      expect(s.crashes).toBeGreaterThan(range.seeds * 10);
      expect(s.snapshots).toBeGreaterThan(range.seeds * 5);
      expect(s.confChanges).toBeGreaterThan(range.seeds);
      expect(s.historyOps).toBeGreaterThan(range.seeds * 30);
      expect(s.unknownWrites).toBeGreaterThan(0);
      expect(s.lincheckOk).toBeGreaterThan(range.seeds * 0.98);
    }, 400_000);
  }
});

describe('sim - a broken multi-group host is caught', () => {
  it('fails when only the first group of a round is synced before sending (sync-first-group)', () => {
    const s = runRange(
      three,
      { steps: mutationSteps, settleSteps, mutation: 'sync-first-group' },
      (r) => r.failure !== undefined
    );
    const f = s.failures[0]?.failure;
    // Lost acknowledged writes: a vote given twice, a committed entry lost or rewritten, or
    // the core itself refusing a commit index beyond the log it was left with.
    const caught =
      f !== undefined &&
      ([
        'single-vote',
        'committed-immutable',
        'committed-durable',
        'leader-completeness',
        'election-safety',
        'log-matching',
        'linearizability',
      ].includes(f.invariant) ||
        (f.invariant === 'core-exception' &&
          /^InvariantError: commit \d+ is past last index/.test(f.message)));
    expect({ caught, f }).toMatchObject({ caught: true });
  }, 400_000);

  it("fails when a group's commands are applied to another group's state machine (cross-apply)", () => {
    const s = runRange(three, { steps, settleSteps, mutation: 'cross-apply' }, isSafetyFailure);
    expect(['state-machine-agreement', 'linearizability']).toContain(
      s.failures.find(isSafetyFailure)?.failure?.invariant
    );
  }, 400_000);
});

describe('sim - multi-group arguments', () => {
  it('parses --groups and the multi-group mutations', () => {
    expect(parseCliArgs(['--groups', '3', '--nodes', '5'])).toMatchObject({ groups: 3, nodes: 5 });
    expect(parseCliArgs(['--groups', '2', '--mutation', 'cross-apply'])).toMatchObject({
      groups: 2,
      mutation: 'cross-apply',
    });
    expect(parseCliArgs([])).not.toHaveProperty('groups');
  });

  it('rejects bad group arguments with a message naming them', () => {
    expect(() => parseCliArgs(['--groups', '0'])).toThrow(/--groups must be in \[1, 16\]/);
    expect(() => parseCliArgs(['--groups'])).toThrow(/--groups needs a value/);
    expect(() => parseCliArgs(['--mutation', 'sync-first-group'])).toThrow(
      /--mutation sync-first-group needs --groups G/
    );
    expect(() => runMultiGroupSeed({ seed: 1, nodes: 3, groups: 0, steps: 10 })).toThrow(
      SimUsageError
    );
    expect(() =>
      runRange({ nodes: 3, seedBase: 1, seeds: 1 }, { steps: 10, mutation: 'cross-apply' })
    ).toThrow(/needs the multi-group simulation/);
  });
});
