import { repoRoot } from './image-table.js';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { V1Container, V1Pod } from '@kubernetes/client-node';
import { MARKER_ENV } from '../harness/processes.js';
import type { KubeletApi } from './api.js';
import {
  apiTime,
  ContainerRunner,
  type ContainerHost,
  type ContainerStatusJson,
} from './container-runner.js';
import { containerEnv, expandVars } from './env.js';
import { PodSetupError, UnknownImageError } from './errors.js';
import { resolveImage, type ImageTable } from './image-table.js';
import { hostsFileFor, type NameRecord } from './names.js';
import type { PodNetHandle, PodNetwork } from './network.js';
import { containerMounts, prepareVolumes, type Mount, type PreparedVolume } from './volumes.js';

/** Shared services a pod worker uses. */
export interface PodWorkerDeps {
  readonly api: KubeletApi;
  readonly network: PodNetwork;
  readonly images: ImageTable;
  readonly envId: string;
  /** Pod sandboxes live in `<stateDir>/pods/<uid>`. */
  readonly stateDir: string;
  /** Container logs go to `<logDir>/pods/<ns>_<name>/<container>.log`. */
  readonly logDir: string;
  readonly backoff: { readonly initialMs: number; readonly maxMs: number };
  records(): readonly NameRecord[];
  log(message: string): void;
}

const CONTAINER_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/**
 * Shell prologue run inside the pod's network and mount namespace before the container's
 * program: set the pod's hostname (own UTS namespace), bind-mount its volumes at their
 * mountPaths (visible only inside this mount namespace) and change to the working directory.
 */
function prologue(hostname: string, mounts: readonly Mount[], workingDir: string): string {
  const lines = ['set -e', `hostname ${shellQuote(hostname.slice(0, 63))}`];
  const root = repoRoot();
  for (const m of mounts) {
    // Pods are host processes running the checkout's programs: a volume mounted over a folder
    // that holds the checkout (an emptyDir at /tmp with the checkout under /tmp) would hide
    // them. Such a mount is left out; the pod sees the host folder there instead.
    const t = m.target.endsWith('/') ? m.target : m.target + '/';
    if ((root + '/').startsWith(t)) continue;
    const src = shellQuote(m.source);
    const dst = shellQuote(m.target);
    lines.push(
      `if [ -d ${src} ]; then mkdir -p ${dst}; else mkdir -p "$(dirname ${dst})"; [ -e ${dst} ] || : > ${dst}; fi`,
      `mount --bind ${src} ${dst}`
    );
    if (m.readOnly) lines.push(`mount -o remount,bind,ro ${dst}`);
  }
  lines.push(`cd ${shellQuote(workingDir)}`, 'exec "$@"');
  return lines.join('\n');
}

/**
 * Runs one pod (one uid) on this kubelet: network namespace, volumes, containers, status
 * reports, and the termination sequence a real kubelet follows.
 */
export class PodWorker {
  readonly uid: string;
  readonly namespace: string;
  readonly name: string;
  net: PodNetHandle | undefined;
  volumes = new Map<string, PreparedVolume>();
  readonly containers: ContainerRunner[];
  /** Set when the pod can never run (unknown image): phase Failed with this reason. */
  private failure: { reason: string; message: string } | undefined;
  private terminating: Promise<void> | undefined;
  /** True once the pod object was deleted: no further status writes. */
  private finalized = false;
  private readonly startTime = apiTime();
  private readonly transitions = new Map<string, { status: string; time: string }>();
  private statusTimer: NodeJS.Timeout | undefined;
  private lastSent = '';
  private statusWrite: Promise<void> = Promise.resolve();
  private readonly dir: string;

  constructor(
    public pod: V1Pod,
    private readonly deps: PodWorkerDeps
  ) {
    this.uid = pod.metadata?.uid ?? '';
    this.namespace = pod.metadata?.namespace ?? 'default';
    this.name = pod.metadata?.name ?? '';
    this.dir = path.join(deps.stateDir, 'pods', this.uid);
    const host = this.containerHost();
    this.containers = (pod.spec?.containers ?? []).map((c) => new ContainerRunner(c, host));
  }

  get key(): string {
    return `${this.namespace}/${this.name}`;
  }

  /** Directory of this pod's container logs. */
  get logDir(): string {
    return path.join(this.deps.logDir, 'pods', `${this.namespace}_${this.name}`);
  }

  private log(message: string): void {
    this.deps.log(`pod ${this.key} (${this.uid.slice(0, 8)}): ${message}`);
  }

  /** Sets the pod up and starts its containers; retries setup problems until terminated. */
  async run(): Promise<void> {
    try {
      for (const c of this.pod.spec?.containers ?? []) resolveImage(this.deps.images, c.image);
    } catch (err) {
      if (!(err instanceof UnknownImageError)) throw err;
      this.failure = { reason: err.reason, message: err.message };
      for (const c of this.containers) c.setWaiting('ErrImagePull', err.message);
      this.log(err.message);
      return;
    }
    fs.mkdirSync(this.logDir, { recursive: true });
    for (;;) {
      if (this.terminating !== undefined) return;
      try {
        if (this.net === undefined) {
          const net = await this.deps.network.attach(this.namespace);
          if (this.terminating !== undefined) {
            // Deleted while its namespace was being made: terminate() saw no network.
            await this.deps.network.detach(net);
            return;
          }
          this.net = net;
          this.refreshHosts();
          this.log(`network namespace ${this.net.netns}, ip ${this.net.ip}`);
        }
        this.volumes = await prepareVolumes(
          this.pod,
          this.dir,
          this.net.ip,
          this.deps.network.gateway,
          this.deps.api
        );
        break;
      } catch (err) {
        const reason = err instanceof PodSetupError ? err.reason : 'ContainerCreating';
        for (const c of this.containers) c.setWaiting(reason, (err as Error).message);
        await new Promise((resolve) => setTimeout(resolve, 1000));
      }
    }
    if (this.terminating !== undefined) return;
    for (const c of this.containers) await c.start();
  }

  /** Rewrites the pod's hosts file from the current name records. */
  refreshHosts(): void {
    if (this.net === undefined || this.terminating !== undefined) return;
    this.deps.network.writeHosts(
      this.net,
      hostsFileFor(this.pod, this.net.ip, this.deps.records())
    );
  }

  private containerHost(): ContainerHost {
    // eslint-disable-next-line @typescript-eslint/no-this-alias -- the getter below needs the worker
    const worker = this;
    return {
      envId: this.deps.envId,
      get podIp() {
        return worker.ip;
      },
      backoff: this.deps.backoff,
      prepare: (c) => this.prepare(c),
      logFile: (c) => path.join(this.logDir, `${c}.log`),
      exec: (argv, timeoutMs) => this.exec(argv, timeoutMs).then((r) => r.code),
      graceMs: () => (this.pod.spec?.terminationGracePeriodSeconds ?? 30) * 1000,
      shouldRestart: (code) => {
        const policy = this.pod.spec?.restartPolicy ?? 'Always';
        return policy === 'Always' || (policy === 'OnFailure' && code !== 0);
      },
      changed: () => this.scheduleStatus(),
      log: (m) => this.log(m),
    };
  }

  /** The pod's IP ('' before its network exists). */
  get ip(): string {
    return this.net?.ip ?? '';
  }

  private async prepare(
    c: V1Container
  ): Promise<{ argv: string[]; env: NodeJS.ProcessEnv; program: string }> {
    const net = this.net;
    if (net === undefined) throw new PodSetupError('ContainerCreating', 'pod network not ready');
    const image = resolveImage(this.deps.images, c.image);
    const env = await containerEnv(c, {
      pod: this.pod,
      podIp: net.ip,
      hostIp: this.deps.network.gateway,
      configMap: (ns, n) => this.deps.api.configMap(ns, n),
      secret: (ns, n) => this.deps.api.secret(ns, n),
    });
    const command =
      c.command !== undefined && c.command.length > 0
        ? c.command.map((a) => expandVars(a, env))
        : [...image.entrypoint];
    const args =
      c.args !== undefined && c.args.length > 0
        ? c.args.map((a) => expandVars(a, env))
        : [...image.cmd];
    const mounts = containerMounts(c, this.volumes);
    const hostname = this.pod.spec?.hostname ?? this.name;
    const argv = this.deps.network.exec(net, [
      'unshare',
      '--uts',
      '--',
      '/bin/sh',
      '-c',
      prologue(hostname, mounts, c.workingDir ?? '/'),
      'sh',
      ...command,
      ...args,
    ]);
    return {
      argv,
      program: [...command, ...args].join(' '),
      env: { PATH: CONTAINER_PATH, HOME: '/root', HOSTNAME: hostname, ...env },
    };
  }

  /**
   * Runs `argv` inside the pod (network, hosts file, volume mounts of its first container),
   * like `kubectl exec`; resolves to the exit code and output, killing it after `timeoutMs`.
   */
  exec(
    argv: readonly string[],
    timeoutMs: number
  ): Promise<{ code: number; stdout: string; stderr: string }> {
    const net = this.net;
    if (net === undefined)
      return Promise.resolve({ code: 126, stdout: '', stderr: 'pod has no network yet' });
    const first = this.pod.spec?.containers?.[0];
    let mounts: Mount[] = [];
    try {
      mounts = first === undefined ? [] : containerMounts(first, this.volumes);
    } catch {
      mounts = [];
    }
    const full = this.deps.network.exec(net, [
      '/bin/sh',
      '-c',
      prologue(this.pod.spec?.hostname ?? this.name, mounts, '/').replace(/^hostname .*$/m, ':'),
      'sh',
      ...argv,
    ]);
    return new Promise((resolve) => {
      execFile(
        full[0] ?? 'ip',
        full.slice(1),
        {
          timeout: timeoutMs,
          killSignal: 'SIGKILL',
          maxBuffer: 1 << 20,
          env: { PATH: CONTAINER_PATH, HOME: '/root', [MARKER_ENV]: this.deps.envId },
        },
        (err, stdout, stderr) => {
          const code = err === null ? 0 : typeof err.code === 'number' ? err.code : 1;
          resolve({ code, stdout, stderr });
        }
      );
    });
  }

  private phase(): string {
    if (this.failure !== undefined) return 'Failed';
    if (this.containers.length === 0) return 'Pending';
    if (this.containers.every((c) => c.finished)) {
      return this.containers.every((c) => c.state.terminated?.exitCode === 0)
        ? 'Succeeded'
        : 'Failed';
    }
    const everStarted = this.containers.every(
      (c) =>
        c.state.running !== undefined ||
        c.state.terminated !== undefined ||
        c.restartCount > 0 ||
        c.lastState.terminated !== undefined
    );
    return everStarted ? 'Running' : 'Pending';
  }

  private condition(
    type: string,
    ok: boolean
  ): { type: string; status: string; lastProbeTime: null; lastTransitionTime: string } {
    const status = ok ? 'True' : 'False';
    const prev = this.transitions.get(type);
    const time = prev !== undefined && prev.status === status ? prev.time : apiTime();
    this.transitions.set(type, { status, time });
    return { type, status, lastProbeTime: null, lastTransitionTime: time };
  }

  /** The pod status a real kubelet would report now. */
  status(): Record<string, unknown> {
    const phase = this.phase();
    const statuses: ContainerStatusJson[] = this.containers.map((c) => c.status());
    const allReady =
      statuses.length > 0 && statuses.every((s) => s.ready) && this.terminating === undefined;
    const scheduled = this.pod.status?.conditions?.find((c) => c.type === 'PodScheduled');
    const conditions = [
      this.condition('Initialized', true),
      this.condition('Ready', allReady && phase === 'Running'),
      this.condition('ContainersReady', allReady),
      ...(scheduled === undefined ? [] : [scheduled]),
    ];
    const ip = this.net?.ip;
    return {
      phase,
      conditions,
      hostIP: this.deps.network.gateway,
      podIP: ip ?? null,
      podIPs: ip === undefined ? null : [{ ip }],
      startTime: this.startTime,
      containerStatuses: statuses,
      reason: this.failure?.reason ?? null,
      message: this.failure?.message ?? null,
    };
  }

  private scheduleStatus(): void {
    if (this.statusTimer !== undefined || this.finalized) return;
    this.statusTimer = setTimeout(() => {
      this.statusTimer = undefined;
      this.statusWrite = this.statusWrite.then(() => this.writeStatus());
    }, 50);
  }

  private async writeStatus(): Promise<void> {
    if (this.finalized) return;
    const status = this.status();
    const text = JSON.stringify(status);
    if (text === this.lastSent) return;
    try {
      await this.deps.api.patchPodStatus(this.namespace, this.name, status);
      this.lastSent = text;
    } catch (err) {
      if (this.finalized) return;
      this.log(`status update failed (retrying): ${(err as Error).message}`);
      setTimeout(() => this.scheduleStatus(), 1000);
    }
  }

  /** Waits until pending status writes are done (then writes the current status once more). */
  async flushStatus(): Promise<void> {
    if (this.statusTimer !== undefined) {
      clearTimeout(this.statusTimer);
      this.statusTimer = undefined;
    }
    this.statusWrite = this.statusWrite.then(() => this.writeStatus());
    await this.statusWrite;
  }

  /**
   * Termination: SIGTERM to every container, SIGKILL after the grace period, final status,
   * network and sandbox removed, then (when `finalize`) the pod object deleted with grace 0
   * so controllers see it gone. Idempotent: later calls return the same promise.
   */
  terminate(graceSeconds: number, finalize: boolean): Promise<void> {
    this.terminating ??= (async () => {
      this.log(`terminating (grace ${graceSeconds}s)`);
      await Promise.all(this.containers.map((c) => c.stop(graceSeconds * 1000)));
      if (finalize) await this.flushStatus().catch(() => undefined);
      this.finalized = true;
      if (this.statusTimer !== undefined) clearTimeout(this.statusTimer);
      if (this.net !== undefined) await this.deps.network.detach(this.net);
      fs.rmSync(this.dir, { recursive: true, force: true });
      if (finalize) await this.deps.api.finalizePod(this.namespace, this.name, this.uid);
      this.log('terminated');
    })();
    return this.terminating;
  }

  /** Test hook: SIGKILL the container's processes (the kubelet then restarts it per policy). */
  crash(container?: string): void {
    for (const c of this.pick(container)) c.process?.signal('SIGKILL');
  }

  /** Test hook: freeze the container's processes (SIGSTOP) until {@link resume}. */
  hang(container?: string): void {
    for (const c of this.pick(container)) c.process?.signal('SIGSTOP');
  }

  /** Test hook: continue frozen processes (SIGCONT). */
  resume(container?: string): void {
    for (const c of this.pick(container)) c.process?.signal('SIGCONT');
  }

  /** Test hook: cut the pod off the network (`false`) or reconnect it (`true`). */
  async setConnected(connected: boolean): Promise<void> {
    if (this.net === undefined) throw new Error(`pod ${this.key} has no network yet`);
    await this.deps.network.setConnected(this.net, connected);
    this.log(connected ? 'network reconnected' : 'network cut off');
  }

  /** Test hook: delete everything in the pod's persistent volumes (the directories stay). */
  loseVolumes(): string[] {
    const wiped: string[] = [];
    for (const v of this.volumes.values()) {
      if (!v.persistent) continue;
      for (const entry of fs.readdirSync(v.hostPath))
        fs.rmSync(path.join(v.hostPath, entry), { recursive: true, force: true });
      wiped.push(v.hostPath);
    }
    return wiped;
  }

  private pick(container: string | undefined): ContainerRunner[] {
    const picked = this.containers.filter((c) => container === undefined || c.name === container);
    if (picked.length === 0)
      throw new Error(`pod ${this.key} has no container "${container ?? ''}"`);
    return picked;
  }
}
