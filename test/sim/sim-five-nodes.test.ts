import { DEFAULT_RUN } from './default-run.js';
import { describeFailure, isSafetyFailure, runRange } from './sim-harness.js';

const { steps, settleSteps } = DEFAULT_RUN;
const range = DEFAULT_RUN.five;

describe('sim - 5-node cluster', () => {
  it(`keeps every invariant and a linearizable history over ${range.seeds} seeds`, () => {
    const s = runRange(range, { steps, settleSteps });
    const report = s.failures.map((r) => describeFailure(r, range.nodes, steps, settleSteps));
    expect(report).toEqual([]);
    expect(s.ran).toBe(range.seeds);
    expect(s.commits).toBeGreaterThan(range.seeds * 10);
    expect(s.leaderTerms).toBeGreaterThan(range.seeds * 2);
    expect(s.crashes).toBeGreaterThan(range.seeds * 3);
    expect(s.snapshots).toBeGreaterThan(range.seeds);
    expect(s.confChanges).toBeGreaterThan(range.seeds / 2);
    expect(s.historyOps).toBeGreaterThan(range.seeds * 10);
    expect(s.lincheckOk).toBeGreaterThan(range.seeds * 0.98);
  }, 400_000);

  it('fails when the vote is not persisted (drop-vote)', () => {
    const s = runRange(range, { steps, settleSteps, mutation: 'drop-vote' }, isSafetyFailure);
    expect(s.failures.find(isSafetyFailure)?.failure?.invariant).toBe('single-vote');
  }, 400_000);
});
