import type { V1Container, V1Probe } from '@kubernetes/client-node';
import { startProcess, type ManagedProcess } from '../harness/processes.js';
import { probeTiming, runProbe, type ProbeTarget } from './probes.js';

/** Kubernetes timestamp format (RFC 3339, seconds). */
export function apiTime(date: Date = new Date()): string {
  return date.toISOString().replace(/\.\d+Z$/, 'Z');
}

/** A container state as sent in a status patch (times as RFC 3339 strings). */
export interface ContainerState {
  waiting?: { reason: string; message?: string };
  running?: { startedAt: string };
  terminated?: {
    exitCode: number;
    signal?: number;
    reason: string;
    startedAt?: string;
    finishedAt: string;
  };
}

/** One entry of `status.containerStatuses` as sent in a status patch. */
export interface ContainerStatusJson {
  name: string;
  image: string;
  imageID: string;
  containerID?: string;
  ready: boolean;
  started: boolean;
  restartCount: number;
  state: ContainerState;
  lastState: ContainerState;
}

/** What a container runner needs from its pod. */
export interface ContainerHost {
  /** Builds the full command line and env of the container; throws a PodSetupError when it cannot. */
  prepare(
    container: V1Container
  ): Promise<{ argv: string[]; env: NodeJS.ProcessEnv; program: string }>;
  readonly envId: string;
  readonly podIp: string;
  /** Container log file (appended across restarts). */
  logFile(container: string): string;
  /** Runs a command inside the pod (for exec probes). */
  exec(argv: readonly string[], timeoutMs: number): Promise<number>;
  /** Grace period for a kill by a failed liveness/startup probe (terminationGracePeriodSeconds). */
  graceMs(): number;
  /** Whether a container that exited with `code` is started again (restartPolicy). */
  shouldRestart(code: number): boolean;
  /** Called whenever anything reported in the status changed. */
  changed(): void;
  log(message: string): void;
  readonly backoff: { readonly initialMs: number; readonly maxMs: number };
}

/** A run shorter than this counts as a crash for the back-off (Kubernetes uses 10 min). */
const STABLE_RUN_MS = 10_000;

/**
 * One container of a pod: its process, restarts with exponential back-off, and its probes.
 * State transitions: waiting -> running -> terminated -> (waiting CrashLoopBackOff -> running)...
 */
export class ContainerRunner {
  state: ContainerState = { waiting: { reason: 'ContainerCreating' } };
  lastState: ContainerState = {};
  restartCount = 0;
  /** Readiness as the readiness probe (or, without one, the running state) says. */
  ready = false;
  /** False until the startup probe (if any) succeeded. */
  started = false;
  process: ManagedProcess | undefined;
  /** Set once the pod is terminating: no restart, no probe from then on. */
  private stopping = false;
  /** False once the last exit was final under the restartPolicy. */
  private willRestart = true;
  /** Consecutive short runs; the back-off doubles with each (reset after a stable run). */
  private crashes = 0;
  private readonly timers = new Set<NodeJS.Timeout>();
  /** Bumped per process start so probe loops of an old process stop themselves. */
  private generation = 0;

  constructor(
    readonly spec: V1Container,
    private readonly host: ContainerHost
  ) {}

  get name(): string {
    return this.spec.name;
  }

  /** True once the container exited and will not be started again. */
  get finished(): boolean {
    return this.state.terminated !== undefined && (this.stopping || !this.willRestart);
  }

  /** Puts the container in a waiting state with a reason (setup problems). */
  setWaiting(reason: string, message: string): void {
    this.state = { waiting: { reason, message } };
    this.host.changed();
  }

  /** Starts the process; a setup failure is retried after the back-off. */
  async start(): Promise<void> {
    if (this.stopping) return;
    let prepared: { argv: string[]; env: NodeJS.ProcessEnv; program: string };
    try {
      prepared = await this.host.prepare(this.spec);
    } catch (err) {
      const reason = (err as { reason?: string }).reason ?? 'CreateContainerError';
      this.setWaiting(reason, (err as Error).message);
      this.later(() => void this.start(), this.host.backoff.initialMs);
      return;
    }
    if (this.stopping) return;
    const [command, ...args] = prepared.argv;
    // The container log holds only the program's output (it is what `kubectl logs` shows);
    // the command line goes to the kubelet log.
    this.host.log(`container ${this.name} starting: ${prepared.program}`);
    const proc = startProcess(`${this.name}`, command ?? 'false', args, {
      envId: this.host.envId,
      logFile: this.host.logFile(this.name),
      env: prepared.env,
      header: false,
    });
    this.process = proc;
    this.generation++;
    const startedAt = Date.now();
    this.state = { running: { startedAt: apiTime() } };
    this.started = this.spec.startupProbe === undefined;
    this.ready = this.spec.readinessProbe === undefined && this.started;
    this.host.changed();
    this.startProbes(this.generation);
    void proc.exited.then((exit) => this.onExit(proc, startedAt, exit.code, exit.signal));
  }

  private onExit(
    proc: ManagedProcess,
    startedAt: number,
    code: number | null,
    signal: string | null
  ): void {
    if (this.process !== proc) return;
    this.generation++;
    this.ready = false;
    const exitCode = code ?? 128 + signalNumber(signal);
    this.state = {
      terminated: {
        exitCode,
        ...(signal === null ? {} : { signal: signalNumber(signal) }),
        reason: exitCode === 0 ? 'Completed' : 'Error',
        startedAt: apiTime(new Date(startedAt)),
        finishedAt: apiTime(),
      },
    };
    this.host.log(`container ${this.name} exited (code ${code}, signal ${signal})`);
    this.willRestart = !this.stopping && this.host.shouldRestart(exitCode);
    if (this.willRestart) {
      this.crashes = Date.now() - startedAt >= STABLE_RUN_MS ? 1 : this.crashes + 1;
      const delay = Math.min(
        this.host.backoff.maxMs,
        this.host.backoff.initialMs * 2 ** (this.crashes - 1)
      );
      this.lastState = this.state;
      this.state = {
        waiting: {
          reason: 'CrashLoopBackOff',
          message: `back-off ${Math.round(delay / 1000)}s restarting failed container=${this.name}`,
        },
      };
      this.later(() => {
        this.restartCount++;
        void this.start();
      }, delay);
    }
    this.host.changed();
  }

  private later(fn: () => void, ms: number): void {
    const t = setTimeout(() => {
      this.timers.delete(t);
      if (!this.stopping) fn();
    }, ms);
    this.timers.add(t);
  }

  private startProbes(generation: number): void {
    const startup = this.spec.startupProbe;
    const readiness = this.spec.readinessProbe;
    const liveness = this.spec.livenessProbe;
    const target: ProbeTarget = {
      podIp: this.host.podIp,
      container: this.spec,
      exec: (argv, timeoutMs) => this.host.exec(argv, timeoutMs),
    };
    const loop = (probe: V1Probe, onResult: (ok: boolean, streak: number) => void): void => {
      const timing = probeTiming(probe);
      let streakOk = 0;
      let streakFail = 0;
      const tick = async (): Promise<void> => {
        if (this.generation !== generation || this.stopping) return;
        const ok = await runProbe(probe, target);
        if (this.generation !== generation || this.stopping) return;
        if (ok) {
          streakOk++;
          streakFail = 0;
        } else {
          streakFail++;
          streakOk = 0;
        }
        onResult(ok, ok ? streakOk : streakFail);
        this.later(() => void tick(), timing.periodMs);
      };
      this.later(() => void tick(), timing.initialDelayMs);
    };
    const afterStartup = (): void => {
      if (readiness !== undefined) {
        const t = probeTiming(readiness);
        loop(readiness, (ok, streak) => {
          const next = ok
            ? streak >= t.successThreshold
              ? true
              : this.ready
            : streak >= t.failureThreshold
              ? false
              : this.ready;
          if (next !== this.ready) {
            this.ready = next;
            this.host.log(`container ${this.name} readiness -> ${next}`);
            this.host.changed();
          }
        });
      }
      if (liveness !== undefined) {
        const t = probeTiming(liveness);
        loop(liveness, (ok, streak) => {
          if (!ok && streak >= t.failureThreshold) {
            this.host.log(
              `container ${this.name} failed its liveness probe ${streak} times: restarting it`
            );
            this.generation++;
            void this.process?.stop(this.host.graceMs());
          }
        });
      }
    };
    if (startup === undefined) {
      afterStartup();
      return;
    }
    const t = probeTiming(startup);
    let done = false;
    loop(startup, (ok, streak) => {
      if (done) return;
      if (ok) {
        done = true;
        this.started = true;
        if (readiness === undefined) this.ready = true;
        this.host.changed();
        afterStartup();
      } else if (streak >= t.failureThreshold) {
        done = true;
        this.host.log(`container ${this.name} failed its startup probe: restarting it`);
        this.generation++;
        void this.process?.stop(this.host.graceMs());
      }
    });
  }

  /** Stops restarts and probes, then the process: SIGTERM, SIGKILL after `graceMs`. */
  async stop(graceMs: number): Promise<void> {
    this.stopping = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    this.ready = false;
    if (this.process !== undefined) await this.process.stop(graceMs);
  }

  /** The container's entry in `status.containerStatuses`. */
  status(): ContainerStatusJson {
    const pid = this.process?.pid;
    return {
      name: this.name,
      image: this.spec.image ?? '',
      imageID: `brokercluster-test://${this.spec.image ?? ''}`,
      ...(pid === undefined ? {} : { containerID: `brokercluster-test://${pid}` }),
      ready: this.ready,
      started: this.state.running !== undefined && this.started,
      restartCount: this.restartCount,
      state: this.state,
      lastState: this.lastState,
    };
  }
}

const SIGNALS: Record<string, number> = {
  SIGHUP: 1,
  SIGINT: 2,
  SIGQUIT: 3,
  SIGABRT: 6,
  SIGKILL: 9,
  SIGSEGV: 11,
  SIGTERM: 15,
};

function signalNumber(signal: string | null): number {
  return signal === null ? 0 : (SIGNALS[signal] ?? 1);
}
