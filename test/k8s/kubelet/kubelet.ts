import fs from 'node:fs';
import path from 'node:path';
import type {
  KubeConfig,
  V1Endpoints,
  V1PersistentVolume,
  V1PersistentVolumeClaim,
  V1Pod,
  V1Service,
} from '@kubernetes/client-node';
import { KubeletApi } from './api.js';
import { KubeletLogServer } from './log-server.js';
import { defaultImageTable, type ImageTable } from './image-table.js';
import { WatchedCollection } from './informer.js';
import { ClusterDns } from './dns-server.js';
import { nameRecords, srvRecords, type NameRecord } from './names.js';
import { PodNetwork } from './network.js';
import { NodeAgent } from './node-agent.js';
import { PodWorker } from './pod-worker.js';
import { LocalDirProvisioner } from './provisioner.js';

/** Options of {@link TestKubelet.start}. */
export interface TestKubeletOptions {
  readonly kubeConfig: KubeConfig;
  /** Marker id of the test environment (see MARKER_ENV). */
  readonly envId: string;
  /** Pod sandboxes and persistent volume directories live here. */
  readonly stateDir: string;
  /** The kubelet's own log (`kubelet.log`) and container logs (`pods/`) go here. */
  readonly logDir: string;
  /** Node names to register (default `['node-1']`). */
  readonly nodeNames?: readonly string[];
  readonly images?: ImageTable;
  /** Container restart back-off: first delay and cap (default 1 s and 20 s, shorter than Kubernetes' 10 s / 5 min to keep tests fast). */
  readonly backoff?: { readonly initialMs: number; readonly maxMs: number };
}

/**
 * A kubelet for tests: registers Nodes, runs the pods the scheduler binds to them as local
 * processes in their own network namespaces, reports their status, provisions local-dir
 * volumes, and offers hooks to crash, freeze or wipe a pod.
 */
export class TestKubelet {
  /** Pod workers by pod uid; a pod recreated under the same name gets a new worker. */
  private readonly workers = new Map<string, PodWorker>();
  private records: NameRecord[] = [];
  private hostsTimer: NodeJS.Timeout | undefined;
  private stopped = false;
  /** Every watch this kubelet runs (stopped on {@link stop}). */
  private readonly collections: { stop(): Promise<void> }[] = [];
  private readonly logFile: string;

  private constructor(
    private readonly options: TestKubeletOptions,
    readonly api: KubeletApi,
    readonly network: PodNetwork,
    private readonly logServer: KubeletLogServer,
    readonly dns: ClusterDns,
    readonly nodes: NodeAgent,
    readonly provisioner: LocalDirProvisioner
  ) {
    this.logFile = path.join(options.logDir, 'kubelet.log');
  }

  /** Registers the nodes and starts watching; resolves once the watches are established. */
  static async start(options: TestKubeletOptions): Promise<TestKubelet> {
    fs.mkdirSync(options.logDir, { recursive: true });
    fs.mkdirSync(options.stateDir, { recursive: true });
    const api = new KubeletApi(options.kubeConfig);
    const network = await PodNetwork.create(options.envId);
    const logFile = path.join(options.logDir, 'kubelet.log');
    const log = (m: string): void =>
      fs.appendFileSync(logFile, `${new Date().toISOString()} ${m}\n`);
    let server: KubeletLogServer;
    try {
      server = await KubeletLogServer.start(
        network.gateway,
        path.join(options.stateDir, 'pki'),
        (ns, pod, c) => kubelet.logFileOf(ns, pod, c)
      );
    } catch (err) {
      await network.destroy();
      throw err;
    }
    let dns: ClusterDns;
    try {
      dns = await ClusterDns.start(network.gateway, log);
    } catch (err) {
      await server.stop();
      await network.destroy();
      throw err;
    }
    const kubelet: TestKubelet = new TestKubelet(
      options,
      api,
      network,
      server,
      dns,
      new NodeAgent(api, options.nodeNames ?? ['node-1'], network.gateway, server.port, log),
      new LocalDirProvisioner(api, path.join(options.stateDir, 'volumes'), log)
    );
    try {
      await kubelet.provisioner.start();
      await kubelet.nodes.start();
      await kubelet.watch();
    } catch (err) {
      await kubelet.stop();
      throw err;
    }
    return kubelet;
  }

  private log(message: string): void {
    fs.appendFileSync(this.logFile, `${new Date().toISOString()} ${message}\n`);
  }

  private async watch(): Promise<void> {
    const { kubeConfig } = this.options;
    const core = this.api.core;
    const log = (m: string): void => this.log(m);
    const refresh = (): void => this.scheduleHosts();
    const pods = new WatchedCollection<V1Pod>(
      kubeConfig,
      '/api/v1/pods',
      () => core.listPodForAllNamespaces(),
      { upsert: (p) => this.onPod(p), delete: (p) => this.onPodGone(p) },
      log
    );
    this.services = new WatchedCollection<V1Service>(
      kubeConfig,
      '/api/v1/services',
      () => core.listServiceForAllNamespaces(),
      { upsert: refresh, delete: refresh },
      log
    );
    this.endpoints = new WatchedCollection<V1Endpoints>(
      kubeConfig,
      '/api/v1/endpoints',
      () => core.listEndpointsForAllNamespaces(),
      { upsert: refresh, delete: refresh },
      log
    );
    const claims = new WatchedCollection<V1PersistentVolumeClaim>(
      kubeConfig,
      '/api/v1/persistentvolumeclaims',
      () => core.listPersistentVolumeClaimForAllNamespaces(),
      { upsert: (c) => this.provisioner.onClaim(c) },
      log
    );
    const volumes = new WatchedCollection<V1PersistentVolume>(
      kubeConfig,
      '/api/v1/persistentvolumes',
      () => core.listPersistentVolume(),
      { upsert: (v) => this.provisioner.onVolume(v) },
      log
    );
    const all = [this.services, this.endpoints, claims, volumes, pods];
    this.collections.push(...all);
    for (const c of all) await c.start();
  }

  private services: WatchedCollection<V1Service> | undefined;
  private endpoints: WatchedCollection<V1Endpoints> | undefined;

  private onPod(pod: V1Pod): void {
    if (this.stopped) return;
    const uid = pod.metadata?.uid;
    const node = pod.spec?.nodeName;
    if (uid === undefined || node === undefined || !this.nodes.nodeNames.includes(node)) return;
    let worker = this.workers.get(uid);
    const phase = pod.status?.phase;
    if (worker === undefined) {
      if (
        pod.metadata?.deletionTimestamp !== undefined ||
        phase === 'Succeeded' ||
        phase === 'Failed'
      ) {
        // Nothing runs for it here (a pod of an earlier kubelet): only finish its deletion.
        if (pod.metadata?.deletionTimestamp !== undefined) {
          void this.api
            .finalizePod(pod.metadata.namespace ?? 'default', pod.metadata.name ?? '', uid)
            .catch((err: unknown) =>
              this.log(`finalizing ${pod.metadata?.name ?? ''} failed: ${(err as Error).message}`)
            );
        }
        return;
      }
      worker = new PodWorker(pod, {
        api: this.api,
        network: this.network,
        images: this.options.images ?? defaultImageTable(),
        envId: this.options.envId,
        stateDir: this.options.stateDir,
        logDir: this.options.logDir,
        backoff: this.options.backoff ?? { initialMs: 1000, maxMs: 20_000 },
        records: () => this.records,
        log: (m) => this.log(m),
      });
      this.workers.set(uid, worker);
      this.log(`pod ${worker.key} (${uid.slice(0, 8)}) bound to ${node}: starting`);
      void worker
        .run()
        .catch((err: unknown) =>
          this.log(`pod ${worker?.key ?? ''} failed to run: ${(err as Error).message}`)
        );
    } else {
      worker.pod = pod;
    }
    if (pod.metadata?.deletionTimestamp !== undefined) {
      const grace =
        pod.metadata.deletionGracePeriodSeconds ?? pod.spec?.terminationGracePeriodSeconds ?? 30;
      const w = worker;
      void w
        .terminate(grace, true)
        .catch((err: unknown) => this.log(`terminating ${w.key} failed: ${(err as Error).message}`))
        .finally(() => this.workers.delete(uid));
    }
  }

  /** The object is gone (finalized by us, or force-deleted): make sure nothing still runs. */
  private onPodGone(pod: V1Pod): void {
    const uid = pod.metadata?.uid;
    const worker = uid === undefined ? undefined : this.workers.get(uid);
    if (worker === undefined || uid === undefined) return;
    void worker.terminate(0, false).finally(() => this.workers.delete(uid));
  }

  private scheduleHosts(): void {
    if (this.hostsTimer !== undefined || this.stopped) return;
    this.hostsTimer = setTimeout(() => {
      this.hostsTimer = undefined;
      const services = this.services?.list() ?? [];
      const endpoints = this.endpoints?.list() ?? [];
      this.records = nameRecords(services, endpoints);
      this.dns.update(this.records, srvRecords(services, endpoints));
      for (const w of this.workers.values()) w.refreshHosts();
    }, 50);
  }

  /** The worker running pod `namespace/name` now (the newest if it is being replaced). */
  pod(namespace: string, name: string): PodWorker | undefined {
    let found: PodWorker | undefined;
    for (const w of this.workers.values())
      if (w.namespace === namespace && w.name === name) found = w;
    return found;
  }

  private mustPod(namespace: string, name: string): PodWorker {
    const w = this.pod(namespace, name);
    if (w === undefined)
      throw new Error(`pod ${namespace}/${name} does not run on this test kubelet`);
    return w;
  }

  /** Log file of a container of a pod that runs or ran here (for `kubectl logs`). */
  logFileOf(namespace: string, pod: string, container: string): string | undefined {
    if (
      !/^[a-z0-9.-]+$/.test(namespace) ||
      !/^[a-z0-9.-]+$/.test(pod) ||
      !/^[a-z0-9-]+$/.test(container)
    ) {
      return undefined;
    }
    return path.join(this.options.logDir, 'pods', `${namespace}_${pod}`, `${container}.log`);
  }

  /** Test hook: SIGKILL a pod's container processes. */
  crash(namespace: string, name: string, container?: string): void {
    this.mustPod(namespace, name).crash(container);
  }

  /** Test hook: SIGSTOP a pod's container processes. */
  hang(namespace: string, name: string, container?: string): void {
    this.mustPod(namespace, name).hang(container);
  }

  /** Test hook: SIGCONT a frozen pod. */
  resume(namespace: string, name: string, container?: string): void {
    this.mustPod(namespace, name).resume(container);
  }

  /** Test hook: cut a pod off the network (host end of its veth down); see {@link reconnect}. */
  isolate(namespace: string, name: string): Promise<void> {
    return this.mustPod(namespace, name).setConnected(false);
  }

  /** Test hook: plug an isolated pod back in. */
  reconnect(namespace: string, name: string): Promise<void> {
    return this.mustPod(namespace, name).setConnected(true);
  }

  /** Test hook: wipe the contents of a pod's persistent volumes; returns the wiped dirs. */
  loseVolumes(namespace: string, name: string): string[] {
    return this.mustPod(namespace, name).loseVolumes();
  }

  /** Runs a command inside a pod, like `kubectl exec`. */
  exec(
    namespace: string,
    name: string,
    argv: readonly string[],
    timeoutMs = 10_000
  ): Promise<{ code: number; stdout: string; stderr: string }> {
    return this.mustPod(namespace, name).exec(argv, timeoutMs);
  }

  /** Stops every pod (SIGTERM, SIGKILL after `graceMs`), the watches, heartbeat and network. */
  async stop(graceMs = 2000): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    if (this.hostsTimer !== undefined) clearTimeout(this.hostsTimer);
    this.nodes.stop();
    await Promise.all(this.collections.map((c) => c.stop().catch(() => undefined)));
    await Promise.all(
      [...this.workers.values()].map((w) =>
        w.terminate(graceMs / 1000, false).catch(() => undefined)
      )
    );
    this.workers.clear();
    await this.logServer.stop().catch(() => undefined);
    await this.dns.stop().catch(() => undefined);
    await this.network.destroy();
    this.log('kubelet stopped');
  }
}
