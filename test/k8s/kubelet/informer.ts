import {
  makeInformer,
  type Informer,
  type KubeConfig,
  type KubernetesListObject,
  type KubernetesObject,
} from '@kubernetes/client-node';
import type { ObjectCache } from '@kubernetes/client-node';

/** Handlers of a {@link WatchedCollection}. */
export interface CollectionHandlers<T> {
  /** Called for add and update. */
  upsert?(obj: T): void;
  delete?(obj: T): void;
}

/**
 * A list+watch cache of one resource collection (client-node's informer), restarted after a
 * watch error with a 1 s pause until {@link stop}.
 */
export class WatchedCollection<T extends KubernetesObject> {
  private readonly informer: Informer<T> & ObjectCache<T>;
  private stopped = false;
  private restartTimer: NodeJS.Timeout | undefined;

  constructor(
    kubeConfig: KubeConfig,
    readonly path: string,
    list: () => Promise<KubernetesListObject<T>>,
    handlers: CollectionHandlers<T>,
    private readonly log: (message: string) => void
  ) {
    this.informer = makeInformer(kubeConfig, path, list);
    if (handlers.upsert !== undefined) {
      const upsert = handlers.upsert;
      this.informer.on('add', (o) => upsert(o));
      this.informer.on('update', (o) => upsert(o));
    }
    if (handlers.delete !== undefined) {
      const del = handlers.delete;
      this.informer.on('delete', (o) => del(o));
    }
    this.informer.on('error', (err: unknown) => {
      if (this.stopped) return;
      this.log(
        `watch ${path} failed (restarting in 1s): ${err instanceof Error ? err.message : String(err)}`
      );
      this.restartTimer = setTimeout(() => {
        if (!this.stopped) void this.informer.start().catch(() => undefined);
      }, 1000);
    });
  }

  start(): Promise<void> {
    return this.informer.start();
  }

  /** Every cached object. */
  list(): readonly T[] {
    return this.informer.list();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.restartTimer !== undefined) clearTimeout(this.restartTimer);
    await this.informer.stop();
  }
}
