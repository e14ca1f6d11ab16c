/**
 * The seed ranges and run lengths of the default test run (`npm test -- test/sim`), shared by
 * the jest suites and the documentation so that "fails within the default seeds" means one
 * thing. Sized to take a few minutes on a 2-core machine.
 */
export const DEFAULT_RUN = {
  /** Steps with faults, then quiet settling steps, per seed. */
  steps: 4000,
  settleSteps: 300,
  three: { nodes: 3, seedBase: 1, seeds: 1000 },
  five: { nodes: 5, seedBase: 1, seeds: 1000 },
} as const;

/**
 * The default multi-group run (`sim-multi-group.test.ts`): every node a RaftHost with three
 * groups over one store. Shorter runs than the single-group default, so that the suite stays
 * well under a minute on a loaded 2-core machine; SIM_MULTI_SEEDS=K runs K seeds per range.
 */
export const DEFAULT_MULTI_GROUP_RUN = {
  steps: 1500,
  settleSteps: 300,
  /** Steps per seed of the mutation checks: lost unsynced writes need time to bite. */
  mutationSteps: 4000,
  three: { nodes: 3, groups: 3, seedBase: 1, seeds: 75 },
  five: { nodes: 5, groups: 3, seedBase: 1, seeds: 75 },
} as const;
