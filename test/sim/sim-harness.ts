import { SimUsageError } from './errors.js';
import { runMultiGroupSeed, type MultiGroupSimOptions } from './multi-group-simulation.js';
import { runSeed, type SimResult } from './simulation.js';

export interface SeedRange {
  readonly nodes: number;
  /** Groups per host: set, the multi-group simulation runs; unset, the single-group one. */
  readonly groups?: number;
  readonly seedBase: number;
  readonly seeds: number;
}

export interface RangeSummary {
  readonly failures: readonly SimResult[];
  readonly ran: number;
  readonly commits: number;
  readonly leaderTerms: number;
  readonly crashes: number;
  readonly snapshots: number;
  readonly confChanges: number;
  readonly historyOps: number;
  readonly unknownWrites: number;
  readonly lincheckOk: number;
  readonly lincheckUnknown: number;
}

/**
 * Runs a range of seeds. With `stopWhen` it returns as soon as a failing seed satisfies it
 * (used to show that a mutation is caught by a given kind of check).
 */
export function runRange(
  range: SeedRange,
  base: Omit<MultiGroupSimOptions, 'seed' | 'nodes' | 'groups'>,
  stopWhen?: (failed: SimResult) => boolean
): RangeSummary {
  const failures: SimResult[] = [];
  let ran = 0;
  let commits = 0;
  let leaderTerms = 0;
  let crashes = 0;
  let snapshots = 0;
  let confChanges = 0;
  let historyOps = 0;
  let unknownWrites = 0;
  let lincheckOk = 0;
  let lincheckUnknown = 0;
  for (let i = 0; i < range.seeds; i++) {
    const r = runOne({
      ...base,
      seed: range.seedBase + i,
      nodes: range.nodes,
      ...(range.groups === undefined ? {} : { groups: range.groups }),
    });
    ran++;
    commits += r.stats.commitIndex;
    leaderTerms += r.stats.leaderTerms;
    crashes += r.stats.crashes;
    snapshots += r.stats.snapshots;
    confChanges += r.stats.confChanges;
    historyOps += r.stats.historyLength;
    unknownWrites += r.stats.clients.writesUnknown;
    if (r.stats.lincheck === 'ok') lincheckOk++;
    if (r.stats.lincheck === 'unknown') lincheckUnknown++;
    if (r.failure !== undefined) {
      failures.push(r);
      if (stopWhen?.(r) === true) break;
    }
  }
  return {
    failures,
    ran,
    commits,
    leaderTerms,
    crashes,
    snapshots,
    confChanges,
    historyOps,
    unknownWrites,
    lincheckOk,
    lincheckUnknown,
  };
}

/** Options of one seed of either simulation: with `groups`, the multi-group one runs. */
export type AnySimOptions = Omit<MultiGroupSimOptions, 'groups'> & { readonly groups?: number };

/** One seed, in the single- or the multi-group simulation as `groups` says. */
export function runOne(opts: AnySimOptions): SimResult {
  const { groups, mutation, ...rest } = opts;
  if (groups !== undefined) return runMultiGroupSeed({ ...opts, groups });
  if (mutation === 'sync-first-group' || mutation === 'cross-apply') {
    throw new SimUsageError(`mutation ${mutation} needs the multi-group simulation (groups)`);
  }
  return runSeed({ ...rest, ...(mutation === undefined ? {} : { mutation }) });
}

/** A failure of a safety property (not the core throwing, which the main runs report). */
export function isSafetyFailure(r: SimResult): boolean {
  return r.failure !== undefined && r.failure.invariant !== 'core-exception';
}

/** A failing seed as a short report with the replay command. */
export function describeFailure(
  r: SimResult,
  nodes: number,
  steps: number,
  settle: number,
  groups?: number
): string {
  const f = r.failure!;
  const tail = r.trace.slice(-25).join('\n    ');
  return (
    `seed ${r.seed} (${nodes} nodes) step ${f.step}: ${f.invariant}: ${f.message.split('\n')[0]}\n` +
    `  replay: node dist/test/sim/cli.js --nodes ${nodes}${groups === undefined ? '' : ` --groups ${groups}`} --steps ${steps} --settle ${settle} --seed ${r.seed} --trace\n` +
    `  last steps:\n    ${tail}`
  );
}
