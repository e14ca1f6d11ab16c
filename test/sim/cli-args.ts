import { SimUsageError } from './errors.js';
import { INVARIANTS } from './invariants.js';
import { MAX_GROUPS } from './multi-group-simulation.js';
import { MULTI_GROUP_MUTATIONS, type MultiGroupMutation } from './sim-host.js';
import { MUTATIONS } from './sim-node.js';

export interface CliOptions {
  readonly nodes: number;
  /** Groups per host: set, the multi-group simulation runs (RaftHost, one store per node). */
  readonly groups?: number;
  readonly seeds: number;
  readonly seedBase: number;
  readonly steps: number;
  readonly settleSteps: number;
  /** Replay one seed (overrides seeds/seedBase). */
  readonly seed?: number;
  /** Print every step as it happens. */
  readonly trace: boolean;
  readonly keepGoing: boolean;
  readonly mutation: MultiGroupMutation;
  readonly skipInvariants: readonly string[];
}

export const USAGE = `usage: sim [--nodes N] [--groups G] [--seeds K] [--seed-base B] [--steps S] [--settle S]
           [--seed N --trace] [--keep-going] [--mutation M]
           [--skip-invariant NAME]...
  --nodes N      founding voters (1..9, default 3)
  --groups G     multi-group mode: every node is a RaftHost running G groups (1..${MAX_GROUPS})
                 over one store; without it, one group per node
  --seeds K      number of seeds to run (default 100)
  --seed-base B  first seed (default 1)
  --steps S      fault-injecting steps per seed (default 1000)
  --settle S     quiet steps after the faults (default 300)
  --seed N       run only seed N (replay)
  --trace        print every step of the run as it happens
  --keep-going   do not stop at the first failing seed
  --mutation M   break the harness on purpose: drop-vote persists HardState without the
                 vote; stale-read serves reads locally without ReadIndex; with --groups
                 also sync-first-group (sync after the first group's writes, send before
                 the rest are durable) and cross-apply (commands go to the next group's
                 state machine)
  --skip-invariant NAME  do not enforce one invariant (repeatable), to see what else catches a fault`;

function intArg(name: string, raw: string | undefined, min: number, max: number): number {
  if (raw === undefined) throw new SimUsageError(`${name} needs a value`);
  if (!/^\d+$/.test(raw))
    throw new SimUsageError(`${name} must be a non-negative integer, got '${raw}'`);
  const n = Number(raw);
  if (n < min || n > max) throw new SimUsageError(`${name} must be in [${min}, ${max}], got ${n}`);
  return n;
}

/** Parses argv (without node and script); throws SimUsageError naming the bad argument. */
export function parseCliArgs(argv: readonly string[]): CliOptions {
  let nodes = 3;
  let groups: number | undefined;
  let seeds = 100;
  let seedBase = 1;
  let steps = 1000;
  let settleSteps = 300;
  let seed: number | undefined;
  let trace = false;
  let keepGoing = false;
  let mutation: MultiGroupMutation = 'none';
  const skipInvariants: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    switch (a) {
      case '--nodes':
        nodes = intArg(a, argv[++i], 1, 9);
        break;
      case '--groups':
        groups = intArg(a, argv[++i], 1, MAX_GROUPS);
        break;
      case '--seeds':
        seeds = intArg(a, argv[++i], 1, 10_000_000);
        break;
      case '--seed-base':
        seedBase = intArg(a, argv[++i], 0, 0xffffffff);
        break;
      case '--steps':
        steps = intArg(a, argv[++i], 1, 10_000_000);
        break;
      case '--settle':
        settleSteps = intArg(a, argv[++i], 0, 10_000_000);
        break;
      case '--seed':
        seed = intArg(a, argv[++i], 0, 0xffffffff);
        break;
      case '--trace':
        trace = true;
        break;
      case '--keep-going':
        keepGoing = true;
        break;
      case '--mutation': {
        const m = argv[++i];
        const found = MULTI_GROUP_MUTATIONS.find((x) => x === m);
        if (found === undefined) {
          throw new SimUsageError(
            `--mutation must be one of ${MULTI_GROUP_MUTATIONS.join(', ')}, got '${m ?? ''}'`
          );
        }
        mutation = found;
        break;
      }
      case '--skip-invariant': {
        const name = argv[++i];
        if (name === undefined || !INVARIANTS.includes(name)) {
          throw new SimUsageError(
            `--skip-invariant must name one of ${INVARIANTS.join(', ')}, got '${name ?? ''}'`
          );
        }
        skipInvariants.push(name);
        break;
      }
      default:
        throw new SimUsageError(`unknown argument '${a}'`);
    }
  }
  if (groups === undefined && !MUTATIONS.some((x) => x === mutation))
    throw new SimUsageError(`--mutation ${mutation} needs --groups G (multi-group mode)`);
  if (trace && seed === undefined)
    throw new SimUsageError('--trace needs --seed N (replay one seed)');
  return {
    nodes,
    ...(groups === undefined ? {} : { groups }),
    seeds,
    seedBase,
    steps,
    settleSteps,
    ...(seed === undefined ? {} : { seed }),
    trace,
    keepGoing,
    mutation,
    skipInvariants,
  };
}
