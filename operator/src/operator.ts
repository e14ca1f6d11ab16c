/**
 * broker-operator's composition: watches (BrokerClusters plus the StatefulSets and Pods it
 * owns) feed a rate-limited work queue; while this replica holds the Lease, workers run the
 * reconciler on the queued keys. A standby keeps its watches synced, so it is Ready and takes
 * over at once.
 */
import {
  AppsV1Api,
  CoreV1Api,
  CustomObjectsApi,
  type KubeConfig,
  type KubernetesListObject,
  type KubernetesObject,
} from '@kubernetes/client-node';
import { AdminClient } from './admin/index.js';
import { CLUSTER_LABEL, GROUP, PLURAL, VERSION } from './api/index.js';
import { GRPC_PORT, Reconciler } from './controller/index.js';
import {
  ClientKubeApi,
  isConflict,
  LeaderElector,
  WatchedCollection,
  WorkQueue,
} from './k8s/index.js';
import type { OperatorConfig } from './operator-config.js';
import { OperatorMetrics } from './server/index.js';

/** A reconcile that takes longer than this is abandoned and retried (every wait is bounded). */
export const RECONCILE_TIMEOUT_MS = 60_000;
const WORKERS = 2;
const MANAGED = 'app.kubernetes.io/managed-by=broker-operator';

class ReconcileTimeoutError extends Error {
  override readonly name = 'ReconcileTimeoutError';
}

export class Operator {
  readonly metrics = new OperatorMetrics();
  private readonly queue = new WorkQueue();
  private readonly watches: WatchedCollection<KubernetesObject>[] = [];
  private readonly reconciler: Reconciler;
  private readonly elector: LeaderElector | undefined;
  private acting = false;
  private stopping = false;
  private lastLoop = Date.now();
  private workers: Promise<void>[] = [];

  constructor(
    private readonly kubeConfig: KubeConfig,
    private readonly config: OperatorConfig,
    private readonly log: (message: string) => void,
    private readonly onLeaseLost: () => void
  ) {
    this.reconciler = new Reconciler({
      kube: new ClientKubeApi(kubeConfig, 'broker-operator'),
      admin: (pod, auth, tls) =>
        new AdminClient({
          address: `${pod.ip ?? pod.name}:${GRPC_PORT}`,
          serverId: pod.name,
          clusterSecret: auth.clusterSecret,
          ...(auth.adminToken === undefined ? {} : { adminToken: auth.adminToken }),
          deadlineMs: config.adminDeadlineMs,
          ...(tls === undefined ? {} : { tls }),
        }),
      log,
    });
    if (config.leaderElection) {
      this.elector = new LeaderElector(kubeConfig, {
        namespace: config.leaseNamespace,
        name: config.leaseName,
        identity: config.identity,
        leaseDurationMs: config.leaseDurationMs,
        renewDeadlineMs: config.renewDeadlineMs,
        retryPeriodMs: config.retryPeriodMs,
        log,
      });
    }
  }

  get isLeader(): boolean {
    return this.acting;
  }

  /** Ready once every watch has listed (leader or standby). */
  ready(): { ok: boolean; reason: string } {
    const pending = this.watches.filter((w) => !w.hasSynced).map((w) => w.path);
    if (pending.length > 0) return { ok: false, reason: `syncing ${pending.join(', ')}` };
    return {
      ok: true,
      reason: this.acting ? 'leader: reconciling' : 'standby: waiting for the Lease',
    };
  }

  healthy(): { ok: boolean; reason: string } {
    const idle = Date.now() - this.lastLoop;
    if (this.acting && idle > RECONCILE_TIMEOUT_MS * 2)
      return { ok: false, reason: `no work loop progress for ${idle} ms` };
    return { ok: true, reason: 'ok' };
  }

  async start(): Promise<void> {
    this.startWatches();
    await Promise.all(this.watches.map((w) => w.start()));
    if (this.elector === undefined) {
      this.becomeLeader();
      return;
    }
    void this.elector
      .run(() => {
        this.acting = false;
        this.metrics.leader.set(0);
        this.onLeaseLost();
      })
      .then(() => {
        if (!this.stopping && this.elector?.isLeader === true) this.becomeLeader();
      });
  }

  private becomeLeader(): void {
    this.acting = true;
    this.metrics.leader.set(1);
    this.log(`acting as leader (${this.config.identity})`);
    for (const w of this.watches) for (const o of w.list()) this.enqueueFor(o);
    for (let i = 0; i < WORKERS; i++) this.workers.push(this.work());
  }

  private enqueueFor(o: KubernetesObject): void {
    const ns = o.metadata?.namespace;
    if (ns === undefined) return;
    const name =
      o.kind === 'BrokerCluster' || (o.apiVersion ?? '').startsWith(`${GROUP}/`)
        ? o.metadata?.name
        : o.metadata?.labels?.[CLUSTER_LABEL];
    if (name === undefined) return;
    this.queue.add(`${ns}/${name}`);
    this.metrics.queueDepth.set(this.queue.depth);
  }

  private startWatches(): void {
    const ns = this.config.watchNamespace;
    const custom = this.kubeConfig.makeApiClient(CustomObjectsApi);
    const apps = this.kubeConfig.makeApiClient(AppsV1Api);
    const core = this.kubeConfig.makeApiClient(CoreV1Api);
    const onChange = (o: KubernetesObject): void => {
      if (this.acting) this.enqueueFor(o);
    };
    const prefix = ns === undefined ? '' : `/namespaces/${ns}`;
    const bcList = async (): Promise<KubernetesListObject<KubernetesObject>> => {
      const list = (await (ns === undefined
        ? custom.listClusterCustomObject({ group: GROUP, version: VERSION, plural: PLURAL })
        : custom.listNamespacedCustomObject({
            group: GROUP,
            version: VERSION,
            namespace: ns,
            plural: PLURAL,
          }))) as KubernetesListObject<KubernetesObject>;
      // Items of a custom list carry their kind; keep it explicit for enqueueFor.
      for (const i of list.items) i.kind = 'BrokerCluster';
      return list;
    };
    this.watches.push(
      new WatchedCollection<KubernetesObject>(
        this.kubeConfig,
        `/apis/${GROUP}/${VERSION}${prefix}/${PLURAL}`,
        bcList,
        onChange,
        this.log
      ),
      new WatchedCollection<KubernetesObject>(
        this.kubeConfig,
        `/apis/apps/v1${prefix}/statefulsets`,
        () =>
          (ns === undefined
            ? apps.listStatefulSetForAllNamespaces({ labelSelector: MANAGED })
            : apps.listNamespacedStatefulSet({ namespace: ns, labelSelector: MANAGED })) as Promise<
            KubernetesListObject<KubernetesObject>
          >,
        onChange,
        this.log,
        MANAGED
      ),
      new WatchedCollection<KubernetesObject>(
        this.kubeConfig,
        `/api/v1${prefix}/pods`,
        () =>
          (ns === undefined
            ? core.listPodForAllNamespaces({ labelSelector: MANAGED })
            : core.listNamespacedPod({ namespace: ns, labelSelector: MANAGED })) as Promise<
            KubernetesListObject<KubernetesObject>
          >,
        onChange,
        this.log,
        MANAGED
      )
    );
  }

  private async work(): Promise<void> {
    for (;;) {
      const key = await this.queue.get();
      if (key === undefined) return;
      this.lastLoop = Date.now();
      this.metrics.queueDepth.set(this.queue.depth);
      const [ns, name] = key.split('/') as [string, string];
      const end = this.metrics.duration.startTimer();
      let timer: NodeJS.Timeout | undefined;
      try {
        const result = await Promise.race([
          this.reconciler.reconcile(ns, name),
          new Promise<never>((_, reject) => {
            timer = setTimeout(
              () =>
                reject(
                  new ReconcileTimeoutError(
                    `reconcile of ${key} took over ${RECONCILE_TIMEOUT_MS} ms`
                  )
                ),
              RECONCILE_TIMEOUT_MS
            );
          }),
        ]);
        this.metrics.reconciles.inc({ result: 'ok' });
        this.queue.forget(key);
        if (result.requeueAfterMs !== undefined && this.acting)
          this.queue.addAfter(key, result.requeueAfterMs);
      } catch (err) {
        this.metrics.reconciles.inc({ result: 'error' });
        this.metrics.errors.inc();
        const delay = this.queue.addRateLimited(key);
        // A conflict is someone else's newer write: retry quietly with the fresh object.
        if (!isConflict((err as { cause?: unknown }).cause) && !isConflict(err)) {
          this.log(`reconcile ${key} failed (retry in ${delay} ms): ${(err as Error).message}`);
          await this.reconciler.reportError(ns, name, err as Error);
        }
      } finally {
        if (timer !== undefined) clearTimeout(timer);
        end();
        this.queue.done(key);
        this.lastLoop = Date.now();
      }
    }
  }

  /** Stops the workers and watches; gives the Lease up so a standby takes over at once. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.acting = false;
    this.queue.close();
    const drain = Promise.all(this.workers);
    const bounded = new Promise((r) => setTimeout(r, 10_000).unref());
    await Promise.race([drain, bounded]);
    await this.elector?.stop();
    await Promise.all(this.watches.map((w) => w.stop().catch(() => undefined)));
  }
}
