/**
 * Runs the Raft simulation over a range of seeds and reports the first failure with a
 * replayable trace. `node dist/test/sim/cli.js --help` for the arguments.
 */
import { parseCliArgs, USAGE, type CliOptions } from './cli-args.js';
import { SimUsageError } from './errors.js';
import { runOne } from './sim-harness.js';
import type { SimResult } from './simulation.js';

const TAIL_LINES = 120;

function report(r: SimResult, opts: CliOptions): void {
  const f = r.failure!;
  const out = process.stdout;
  out.write(`\nFAILED seed ${r.seed} at step ${f.step}: invariant ${f.invariant}\n${f.message}\n`);
  if (!opts.trace) {
    const tail = r.trace.slice(-TAIL_LINES);
    out.write(
      `\nlast ${tail.length} of ${r.trace.length} steps (full: add --seed ${r.seed} --trace):\n`
    );
    for (const l of tail) out.write(`  ${l}\n`);
  }
  const mut =
    (opts.mutation === 'none' ? '' : ` --mutation ${opts.mutation}`) +
    opts.skipInvariants.map((n) => ` --skip-invariant ${n}`).join('');
  out.write(
    `\nreplay: node dist/test/sim/cli.js --nodes ${opts.nodes}${groups(opts)} --steps ${opts.steps} --settle ${opts.settleSteps}${mut} --seed ${r.seed} --trace\n`
  );
}

function groups(opts: CliOptions): string {
  return opts.groups === undefined ? '' : ` --groups ${opts.groups}`;
}

async function main(): Promise<number> {
  let opts: CliOptions;
  try {
    opts = parseCliArgs(process.argv.slice(2));
  } catch (err) {
    if (err instanceof SimUsageError) {
      process.stderr.write(`sim: ${err.message}\n${USAGE}\n`);
      return 2;
    }
    throw err;
  }
  const first = opts.seed ?? opts.seedBase;
  const count = opts.seed === undefined ? opts.seeds : 1;
  const started = Date.now();
  let failures = 0;
  const verdicts = { ok: 0, illegal: 0, unknown: 0, skipped: 0 };
  let commits = 0;
  let ops = 0;
  let settled = 0;
  let stopped = false;
  process.on('SIGTERM', () => {
    stopped = true;
  });
  process.on('SIGINT', () => {
    stopped = true;
  });
  // A reader that goes away (`| head`) ends the run quietly.
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code !== 'EPIPE') throw err;
    process.exit(0);
  });
  let done = 0;
  for (let i = 0; i < count && !stopped; i++) {
    const seed = first + i;
    const r = runOne({
      seed,
      nodes: opts.nodes,
      ...(opts.groups === undefined ? {} : { groups: opts.groups }),
      steps: opts.steps,
      settleSteps: opts.settleSteps,
      mutation: opts.mutation,
      skipInvariants: opts.skipInvariants,
      ...(opts.trace ? { onTrace: (l: string) => process.stdout.write(`${l}\n`) } : {}),
    });
    done++;
    // Yield between seeds so that SIGTERM/SIGINT handlers get to run.
    await new Promise((resolve) => setImmediate(resolve));
    verdicts[r.stats.lincheck]++;
    commits += r.stats.commitIndex;
    ops += r.stats.historyLength;
    if (r.stats.settledWithLeader) settled++;
    if (opts.trace) process.stdout.write(`stats ${JSON.stringify(r.stats)}\n`);
    if (r.failure !== undefined) {
      failures++;
      report(r, opts);
      if (!opts.keepGoing) break;
    }
    if (count > 1 && (done % 50 === 0 || done === count)) {
      const secs = ((Date.now() - started) / 1000).toFixed(1);
      process.stdout.write(`seeds ${done}/${count} failures ${failures} (${secs}s)\n`);
    }
  }
  const secs = ((Date.now() - started) / 1000).toFixed(1);
  process.stdout.write(
    `${done} seeds, ${opts.nodes} nodes${opts.groups === undefined ? '' : ` x ${opts.groups} groups`}, ${opts.steps}+${opts.settleSteps} steps: ${failures} failing; ` +
      `lincheck ok ${verdicts.ok} unknown ${verdicts.unknown}; ${ops} client ops, ${commits} committed entries; ` +
      `leader after settling in ${settled}/${done}; ${secs}s\n`
  );
  return failures > 0 ? 1 : stopped ? 130 : 0;
}

process.exitCode = await main();
