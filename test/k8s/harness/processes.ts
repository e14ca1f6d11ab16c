import { spawn } from 'node:child_process';
import fs from 'node:fs';

/**
 * Every process the test environment starts carries this variable (value: the environment's
 * id), so teardown can prove that nothing survived, grandchildren included, by scanning /proc.
 */
export const MARKER_ENV = 'BROKERCLUSTER_TESTENV';

/** How a managed process ended. */
export interface ProcessExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

/** Options of {@link startProcess}. */
export interface StartProcessOptions {
  /** Environment id written into {@link MARKER_ENV}. */
  readonly envId: string;
  /** stdout and stderr are appended to this file. */
  readonly logFile: string;
  readonly env?: NodeJS.ProcessEnv;
  readonly cwd?: string;
  /** Write a `--- <time> start <command line>` line to the log first (default true). */
  readonly header?: boolean;
}

/**
 * Process groups started by this module that may still be alive. The 'exit' hook kills them
 * synchronously, so a jest worker that dies or times out leaves nothing behind.
 */
const liveGroups = new Set<number>();
let exitHookInstalled = false;

const SIGNAL_EXIT_CODES: Partial<Record<NodeJS.Signals, number>> = {
  SIGHUP: 129,
  SIGINT: 130,
  SIGTERM: 143,
};

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const pgid of liveGroups) signalGroup(pgid, 'SIGKILL');
  });
  // A signal's default action ends Node without 'exit' events, which would orphan the
  // detached process groups (Ctrl-C on `npm test`). Turn it into an exit, unless the program
  // handles the signal itself (dev-cluster stops gracefully on SIGINT).
  for (const [signal, code] of Object.entries(SIGNAL_EXIT_CODES)) {
    const handler = (): void => {
      if (process.listenerCount(signal) === 1) process.exit(code);
    };
    process.on(signal as NodeJS.Signals, handler);
  }
}

/** Sends `signal` to a whole process group; a group that is already gone is not an error. */
export function signalGroup(pgid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(-pgid, signal);
    return true;
  } catch {
    return false;
  }
}

/** A process started in its own process group, with its output in a log file. */
export class ManagedProcess {
  /** Resolves once the process has exited and been reaped. */
  readonly exited: Promise<ProcessExit>;
  /** Set once {@link exited} has resolved. */
  exit: ProcessExit | undefined;
  readonly pid: number;

  constructor(
    readonly name: string,
    readonly logFile: string,
    pid: number,
    exited: Promise<ProcessExit>
  ) {
    this.pid = pid;
    this.exited = exited.then((e) => {
      this.exit = e;
      liveGroups.delete(pid);
      return e;
    });
  }

  /** True until the process has exited. */
  get running(): boolean {
    return this.exit === undefined;
  }

  /** Sends a signal to the process group (the process and anything it started). */
  signal(signal: NodeJS.Signals): boolean {
    return this.running && signalGroup(this.pid, signal);
  }

  /**
   * SIGTERM, then SIGKILL after `graceMs`; resolves when the process has exited. A process
   * group member that outlives the leader still gets the SIGKILL.
   */
  async stop(graceMs: number): Promise<ProcessExit> {
    if (this.running) {
      // A stopped (SIGSTOPped) process cannot act on SIGTERM until continued.
      this.signal('SIGTERM');
      this.signal('SIGCONT');
      const timer = new Promise<'timeout'>((resolve) => {
        const t = setTimeout(() => resolve('timeout'), graceMs);
        void this.exited.then(() => clearTimeout(t));
      });
      if ((await Promise.race([this.exited, timer])) === 'timeout') this.signal('SIGKILL');
    }
    const exit = await this.exited;
    signalGroup(this.pid, 'SIGKILL');
    return exit;
  }
}

/** Starts `command` in a new process group (detached), logging to `options.logFile`. */
export function startProcess(
  name: string,
  command: string,
  args: readonly string[],
  options: StartProcessOptions
): ManagedProcess {
  installExitHook();
  const log = fs.openSync(options.logFile, 'a');
  try {
    if (options.header !== false) {
      fs.writeSync(log, `--- ${new Date().toISOString()} start ${command} ${args.join(' ')}\n`);
    }
    const child = spawn(command, args, {
      detached: true,
      stdio: ['ignore', log, log],
      env: { ...(options.env ?? process.env), [MARKER_ENV]: options.envId },
      ...(options.cwd === undefined ? {} : { cwd: options.cwd }),
    });
    const exited = new Promise<ProcessExit>((resolve) => {
      child.once('error', (err) => {
        fs.appendFileSync(options.logFile, `--- spawn failed: ${err.message}\n`);
        resolve({ code: 127, signal: null });
      });
      child.once('exit', (code, signal) => resolve({ code, signal }));
    });
    const pid = child.pid ?? -1;
    if (pid > 0) liveGroups.add(pid);
    return new ManagedProcess(name, options.logFile, pid, exited);
  } finally {
    fs.closeSync(log);
  }
}

/** Pids of every process on this machine whose environment carries the marker of `envId`. */
export function findMarkedProcesses(envId: string): number[] {
  const needle = Buffer.from(`${MARKER_ENV}=${envId}\0`);
  const found: number[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let environ: Buffer;
    try {
      environ = fs.readFileSync(`/proc/${entry}/environ`);
    } catch {
      continue; // exited meanwhile, or a kernel thread
    }
    if (environ.includes(needle)) found.push(Number(entry));
  }
  return found.filter((pid) => !isZombie(pid));
}

function isZombie(pid: number): boolean {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z');
  } catch {
    return true;
  }
}
