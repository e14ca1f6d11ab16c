import { DEFAULT_RUN } from './default-run.js';
import { describeFailure, isSafetyFailure, runRange } from './sim-harness.js';
import { expectExercised } from './expect-exercised.js';

const { steps, settleSteps } = DEFAULT_RUN;
const range = DEFAULT_RUN.five;

describe('sim - 5-node cluster', () => {
  it(`keeps every invariant and a linearizable history over ${range.seeds} seeds`, () => {
    const s = runRange(range, { steps, settleSteps });
    const report = s.failures.map((r) => describeFailure(r, range.nodes, steps, settleSteps));
    expect(report).toEqual([]);
    expectExercised(s, range.seeds, 10);
  }, 400_000);

  it('fails when the vote is not persisted (drop-vote)', () => {
    const s = runRange(range, { steps, settleSteps, mutation: 'drop-vote' }, isSafetyFailure);
    expect(s.failures.find(isSafetyFailure)?.failure?.invariant).toBe('single-vote');
  }, 400_000);
});
