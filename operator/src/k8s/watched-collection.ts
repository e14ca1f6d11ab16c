import {
  makeInformer,
  type Informer,
  type KubeConfig,
  type KubernetesListObject,
  type KubernetesObject,
  type ObjectCache,
} from '@kubernetes/client-node';

/**
 * A list+watch cache of one collection (client-node's informer) that calls `onChange` for
 * every add, update and delete, and restarts after a watch error with a pause until stopped.
 */
export class WatchedCollection<T extends KubernetesObject> {
  private readonly informer: Informer<T> & ObjectCache<T>;
  private stopped = false;
  private restartTimer: NodeJS.Timeout | undefined;
  private synced = false;

  constructor(
    kubeConfig: KubeConfig,
    readonly path: string,
    list: () => Promise<KubernetesListObject<T>>,
    onChange: (obj: T) => void,
    private readonly log: (message: string) => void,
    labelSelector?: string
  ) {
    this.informer = makeInformer(kubeConfig, path, list, labelSelector);
    for (const verb of ['add', 'update', 'delete'] as const) this.informer.on(verb, onChange);
    this.informer.on('error', (err: unknown) => {
      if (this.stopped) return;
      this.log(`watch ${path} failed (${String(err)}); restarting in 1 s`);
      this.restartTimer = setTimeout(() => void this.start().catch(() => undefined), 1000);
    });
  }

  get hasSynced(): boolean {
    return this.synced;
  }

  list(): readonly T[] {
    return this.informer.list();
  }

  async start(): Promise<void> {
    if (this.stopped) return;
    await this.informer.start();
    this.synced = true;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.restartTimer !== undefined) clearTimeout(this.restartTimer);
    await this.informer.stop();
  }
}
