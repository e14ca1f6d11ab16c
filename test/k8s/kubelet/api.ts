import {
  ApiException,
  CoordinationV1Api,
  CoreV1Api,
  PatchStrategy,
  StorageV1Api,
  setHeaderOptions,
  type KubeConfig,
  type V1PersistentVolume,
  type V1PersistentVolumeClaim,
} from '@kubernetes/client-node';

/** HTTP status of a failed API call, or undefined for a non-HTTP error. */
export function apiStatus(err: unknown): number | undefined {
  return err instanceof ApiException ? err.code : undefined;
}

/** Runs `call`, mapping HTTP 404 to `undefined`. */
export async function orNotFound<T>(call: () => Promise<T>): Promise<T | undefined> {
  try {
    return await call();
  } catch (err) {
    if (apiStatus(err) === 404) return undefined;
    throw err;
  }
}

/** Runs `call`, treating HTTP 409 AlreadyExists (and 404 for deletes) as done. */
export async function idempotent(
  call: () => Promise<unknown>,
  okCodes: readonly number[] = [409]
): Promise<void> {
  try {
    await call();
  } catch (err) {
    const code = apiStatus(err);
    if (code === undefined || !okCodes.includes(code)) throw err;
  }
}

/** The API calls of the test kubelet, on client-node's typed clients. */
export class KubeletApi {
  readonly core: CoreV1Api;
  readonly coordination: CoordinationV1Api;
  readonly storage: StorageV1Api;
  /** Options making a patch call send a JSON merge patch. */
  readonly mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

  constructor(readonly kubeConfig: KubeConfig) {
    this.core = kubeConfig.makeApiClient(CoreV1Api);
    this.coordination = kubeConfig.makeApiClient(CoordinationV1Api);
    this.storage = kubeConfig.makeApiClient(StorageV1Api);
  }

  async configMap(namespace: string, name: string): Promise<Record<string, string> | undefined> {
    const cm = await orNotFound(() => this.core.readNamespacedConfigMap({ name, namespace }));
    if (cm === undefined) return undefined;
    const out: Record<string, string> = { ...(cm.data ?? {}) };
    for (const [k, v] of Object.entries(cm.binaryData ?? {}))
      out[k] = Buffer.from(v, 'base64').toString('latin1');
    return out;
  }

  async secret(namespace: string, name: string): Promise<Record<string, string> | undefined> {
    const s = await orNotFound(() => this.core.readNamespacedSecret({ name, namespace }));
    if (s === undefined) return undefined;
    const out: Record<string, string> = { ...(s.stringData ?? {}) };
    for (const [k, v] of Object.entries(s.data ?? {}))
      out[k] = Buffer.from(v, 'base64').toString('utf8');
    return out;
  }

  pvc(namespace: string, name: string): Promise<V1PersistentVolumeClaim | undefined> {
    return orNotFound(() => this.core.readNamespacedPersistentVolumeClaim({ name, namespace }));
  }

  pv(name: string): Promise<V1PersistentVolume | undefined> {
    return orNotFound(() => this.core.readPersistentVolume({ name }));
  }

  async patchPodStatus(namespace: string, name: string, status: object): Promise<void> {
    await this.core.patchNamespacedPodStatus(
      { name, namespace, body: { status } },
      this.mergePatch
    );
  }

  /** Final removal of a pod whose processes are gone (what a kubelet does with grace 0). */
  async finalizePod(namespace: string, name: string, uid: string): Promise<void> {
    await idempotent(
      () =>
        this.core.deleteNamespacedPod({
          name,
          namespace,
          gracePeriodSeconds: 0,
          body: { gracePeriodSeconds: 0, preconditions: { uid } },
        }),
      [404, 409]
    );
  }
}
