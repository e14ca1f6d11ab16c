/**
 * The Kubernetes calls the reconciler makes, behind one small interface: server-side apply
 * with the operator's one field manager, reads, deletes that ignore NotFound, status and
 * finalizer patches, discovery and Events.
 */
import { randomBytes } from 'node:crypto';
import {
  ApisApi,
  AppsV1Api,
  CoreV1Api,
  CustomObjectsApi,
  KubernetesObjectApi,
  PatchStrategy,
  setHeaderOptions,
  type KubeConfig,
  type KubernetesObject,
  type V1PersistentVolumeClaim,
  type V1Pod,
  type V1StatefulSet,
} from '@kubernetes/client-node';
import {
  FIELD_MANAGER,
  GROUP,
  PLURAL,
  VERSION,
  type BrokerCluster,
  type BrokerClusterStatus,
} from '../api/index.js';
import { httpStatus, isConflict, isNotFound, KubeApiError } from './errors.js';

const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
/** How long a discovery answer is reused (a ServiceMonitor CRD installed later is seen then). */
const CAPABILITIES_TTL_MS = 60_000;

/** What the cluster serves, from discovery (read once per reconcile). */
export interface Capabilities {
  readonly pdbVersion: 'policy/v1' | 'policy/v1beta1';
  readonly serviceMonitor: boolean;
}

export interface EventInput {
  readonly type: 'Normal' | 'Warning';
  readonly reason: string;
  readonly message: string;
}

export interface KubeApi {
  getCluster(namespace: string, name: string): Promise<BrokerCluster | undefined>;
  /** Server-side apply (force: the operator's fields are its own). */
  apply(obj: KubernetesObject): Promise<void>;
  /** Creates a Secret holding `data` (base64) unless one exists; returns the data there. */
  ensureSecret(
    obj: KubernetesObject,
    data: Record<string, string>
  ): Promise<Record<string, string>>;
  /** A Secret's data (base64 values), or undefined when it does not exist. */
  getSecretData(namespace: string, name: string): Promise<Record<string, string> | undefined>;
  getStatefulSet(namespace: string, name: string): Promise<V1StatefulSet | undefined>;
  listPods(namespace: string, selector: string): Promise<V1Pod[]>;
  listPvcs(namespace: string, selector: string): Promise<V1PersistentVolumeClaim[]>;
  deletePod(namespace: string, name: string): Promise<void>;
  deletePvc(namespace: string, name: string): Promise<void>;
  patchStatus(bc: BrokerCluster, status: BrokerClusterStatus): Promise<void>;
  setFinalizers(bc: BrokerCluster, finalizers: string[]): Promise<void>;
  capabilities(): Promise<Capabilities>;
  event(bc: BrokerCluster, e: EventInput): Promise<void>;
}

function wrap(what: string, err: unknown): never {
  throw new KubeApiError(what, httpStatus(err), { cause: err });
}

export class ClientKubeApi implements KubeApi {
  private readonly objects: KubernetesObjectApi;
  private readonly core: CoreV1Api;
  private readonly apps: AppsV1Api;
  private readonly custom: CustomObjectsApi;
  private readonly apis: ApisApi;
  /** Discovery answer and when it was read: API groups change rarely, reconciles often. */
  private caps: { value: Capabilities; at: number } | undefined;

  constructor(
    kubeConfig: KubeConfig,
    private readonly component: string
  ) {
    this.objects = KubernetesObjectApi.makeApiClient(kubeConfig);
    this.core = kubeConfig.makeApiClient(CoreV1Api);
    this.apps = kubeConfig.makeApiClient(AppsV1Api);
    this.custom = kubeConfig.makeApiClient(CustomObjectsApi);
    this.apis = kubeConfig.makeApiClient(ApisApi);
  }

  async getCluster(namespace: string, name: string): Promise<BrokerCluster | undefined> {
    try {
      return (await this.custom.getNamespacedCustomObject({
        group: GROUP,
        version: VERSION,
        namespace,
        plural: PLURAL,
        name,
      })) as BrokerCluster;
    } catch (err) {
      if (isNotFound(err)) return undefined;
      return wrap(`get BrokerCluster ${namespace}/${name}`, err);
    }
  }

  async apply(obj: KubernetesObject): Promise<void> {
    try {
      await this.objects.patch(
        obj,
        undefined,
        undefined,
        FIELD_MANAGER,
        true,
        PatchStrategy.ServerSideApply
      );
    } catch (err) {
      wrap(`apply ${obj.kind} ${obj.metadata?.namespace}/${obj.metadata?.name}`, err);
    }
  }

  async ensureSecret(
    obj: KubernetesObject,
    data: Record<string, string>
  ): Promise<Record<string, string>> {
    const namespace = obj.metadata?.namespace ?? 'default';
    const name = obj.metadata?.name ?? '';
    try {
      const s = await this.core.readNamespacedSecret({ name, namespace });
      return s.data ?? {};
    } catch (err) {
      if (!isNotFound(err)) wrap(`get Secret ${namespace}/${name}`, err);
    }
    try {
      await this.core.createNamespacedSecret({
        namespace,
        body: { ...obj, type: 'Opaque', data } as never,
      });
      return data;
    } catch (err) {
      // A concurrent create (the other operator replica before it lost the Lease): reread.
      if (isConflict(err))
        return (await this.core.readNamespacedSecret({ name, namespace })).data ?? {};
      return wrap(`create Secret ${namespace}/${name}`, err);
    }
  }

  async getSecretData(
    namespace: string,
    name: string
  ): Promise<Record<string, string> | undefined> {
    try {
      return (await this.core.readNamespacedSecret({ name, namespace })).data ?? {};
    } catch (err) {
      if (isNotFound(err)) return undefined;
      return wrap(`get Secret ${namespace}/${name}`, err);
    }
  }

  async getStatefulSet(namespace: string, name: string): Promise<V1StatefulSet | undefined> {
    try {
      return await this.apps.readNamespacedStatefulSet({ name, namespace });
    } catch (err) {
      if (isNotFound(err)) return undefined;
      return wrap(`get StatefulSet ${namespace}/${name}`, err);
    }
  }

  async listPods(namespace: string, selector: string): Promise<V1Pod[]> {
    try {
      return (await this.core.listNamespacedPod({ namespace, labelSelector: selector })).items;
    } catch (err) {
      return wrap(`list Pods in ${namespace}`, err);
    }
  }

  async listPvcs(namespace: string, selector: string): Promise<V1PersistentVolumeClaim[]> {
    try {
      return (
        await this.core.listNamespacedPersistentVolumeClaim({ namespace, labelSelector: selector })
      ).items;
    } catch (err) {
      return wrap(`list PVCs in ${namespace}`, err);
    }
  }

  async deletePod(namespace: string, name: string): Promise<void> {
    try {
      await this.core.deleteNamespacedPod({ name, namespace });
    } catch (err) {
      if (!isNotFound(err)) wrap(`delete Pod ${namespace}/${name}`, err);
    }
  }

  async deletePvc(namespace: string, name: string): Promise<void> {
    try {
      await this.core.deleteNamespacedPersistentVolumeClaim({ name, namespace });
    } catch (err) {
      if (!isNotFound(err)) wrap(`delete PVC ${namespace}/${name}`, err);
    }
  }

  async patchStatus(bc: BrokerCluster, status: BrokerClusterStatus): Promise<void> {
    try {
      await this.custom.patchNamespacedCustomObjectStatus(
        {
          group: GROUP,
          version: VERSION,
          namespace: bc.metadata.namespace,
          plural: PLURAL,
          name: bc.metadata.name,
          body: { status },
        },
        mergePatch
      );
    } catch (err) {
      if (!isNotFound(err))
        wrap(`patch status of ${bc.metadata.namespace}/${bc.metadata.name}`, err);
    }
  }

  async setFinalizers(bc: BrokerCluster, finalizers: string[]): Promise<void> {
    try {
      await this.custom.patchNamespacedCustomObject(
        {
          group: GROUP,
          version: VERSION,
          namespace: bc.metadata.namespace,
          plural: PLURAL,
          name: bc.metadata.name,
          // The resourceVersion turns a stale finalizer list into a 409 (retried), never a
          // lost finalizer of someone else.
          body: { metadata: { finalizers, resourceVersion: bc.metadata.resourceVersion } },
        },
        mergePatch
      );
    } catch (err) {
      if (!isNotFound(err))
        wrap(`patch finalizers of ${bc.metadata.namespace}/${bc.metadata.name}`, err);
    }
  }

  async capabilities(): Promise<Capabilities> {
    if (this.caps !== undefined && Date.now() - this.caps.at < CAPABILITIES_TTL_MS)
      return this.caps.value;
    const value = await this.discover();
    this.caps = { value, at: Date.now() };
    return value;
  }

  private async discover(): Promise<Capabilities> {
    try {
      const groups = (await this.apis.getAPIVersions()).groups;
      const policy = groups.find((g) => g.name === 'policy');
      const hasV1 = policy?.versions.some((v) => v.version === 'v1') ?? false;
      return {
        // policy/v1 PodDisruptionBudget arrived in 1.21; 1.20 serves only v1beta1.
        pdbVersion: hasV1 ? 'policy/v1' : 'policy/v1beta1',
        serviceMonitor: groups.some((g) => g.name === 'monitoring.coreos.com'),
      };
    } catch (err) {
      return wrap('API discovery', err);
    }
  }

  async event(bc: BrokerCluster, e: EventInput): Promise<void> {
    const now = new Date();
    try {
      await this.core.createNamespacedEvent({
        namespace: bc.metadata.namespace,
        body: {
          metadata: {
            name: `${bc.metadata.name}.${now.getTime().toString(16)}${randomBytes(3).toString('hex')}`,
            namespace: bc.metadata.namespace,
          },
          involvedObject: {
            apiVersion: `${GROUP}/${VERSION}`,
            kind: 'BrokerCluster',
            name: bc.metadata.name,
            namespace: bc.metadata.namespace,
            uid: bc.metadata.uid,
          },
          type: e.type,
          reason: e.reason,
          message: e.message.slice(0, 1024),
          source: { component: this.component },
          firstTimestamp: now,
          lastTimestamp: now,
          count: 1,
        },
      });
    } catch {
      // Events are best effort: a full event store must not stop a reconcile.
    }
  }
}
