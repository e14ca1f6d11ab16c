import { DEFAULT_RUN } from './default-run.js';
import { describeFailure, isSafetyFailure, runRange } from './sim-harness.js';
import { runSeed } from './simulation.js';
import { expectExercised } from './expect-exercised.js';

const { steps, settleSteps } = DEFAULT_RUN;
const range = DEFAULT_RUN.three;

describe('sim - 3-node cluster', () => {
  it('replays a seed exactly', () => {
    const a = runSeed({ seed: 77, nodes: 3, steps: 600, settleSteps: 100 });
    const b = runSeed({ seed: 77, nodes: 3, steps: 600, settleSteps: 100 });
    expect(b.trace).toEqual(a.trace);
    expect(a.trace.length).toBeGreaterThan(700);
    const c = runSeed({ seed: 78, nodes: 3, steps: 600, settleSteps: 100 });
    expect(c.trace).not.toEqual(a.trace);
  });

  it(`keeps every invariant and a linearizable history over ${range.seeds} seeds`, () => {
    const s = runRange(range, { steps, settleSteps });
    const report = s.failures.map((r) => describeFailure(r, range.nodes, steps, settleSteps));
    expect(report).toEqual([]);
    expectExercised(s, range.seeds, 20);
    expect(s.unknownWrites).toBeGreaterThan(0);
  }, 400_000);
});

describe('sim - a broken host is caught', () => {
  it('fails when the vote is not persisted (drop-vote)', () => {
    const s = runRange(range, { steps, settleSteps, mutation: 'drop-vote' }, isSafetyFailure);
    const f = s.failures.find(isSafetyFailure)?.failure;
    expect(f?.invariant).toBe('single-vote');
  }, 400_000);

  it('still fails on drop-vote without the single-vote check, through a safety property', () => {
    const s = runRange(
      range,
      { steps, settleSteps, mutation: 'drop-vote', skipInvariants: ['single-vote'] },
      isSafetyFailure
    );
    const f = s.failures.find(isSafetyFailure)?.failure;
    expect([
      'election-safety',
      'committed-immutable',
      'leader-completeness',
      'log-matching',
      'linearizability',
    ]).toContain(f?.invariant);
  }, 400_000);

  it('fails when reads skip ReadIndex (stale-read), through the linearizability check', () => {
    const s = runRange(range, { steps, settleSteps, mutation: 'stale-read' }, isSafetyFailure);
    expect(s.failures.find(isSafetyFailure)?.failure?.invariant).toBe('linearizability');
  }, 400_000);
});
