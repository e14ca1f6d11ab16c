import fs from 'node:fs';
import path from 'node:path';
import type { V1PersistentVolume, V1PersistentVolumeClaim } from '@kubernetes/client-node';
import { idempotent, type KubeletApi } from './api.js';

/** Provisioner name written on the StorageClass and the PVs it makes. */
export const PROVISIONER = 'brokercluster.test/local-dir';
/** The default StorageClass of the test environment. */
export const STORAGE_CLASS = 'standard';

/**
 * Dynamic provisioning for the test environment: a pending claim of the `standard` class
 * gets a PersistentVolume backed by `<root>/<pv-name>` (pre-bound to the claim, so the PV
 * controller binds both); a Released PV of ours (its claim deleted, reclaim policy Delete)
 * has its directory removed and is deleted. The directory outlives every pod using it.
 */
export class LocalDirProvisioner {
  /** PV names whose creation or deletion is in flight; avoids doing it twice. */
  private readonly busy = new Set<string>();

  constructor(
    private readonly api: KubeletApi,
    readonly root: string,
    private readonly log: (message: string) => void
  ) {}

  /** Creates the default StorageClass (kept if it exists). */
  async start(): Promise<void> {
    fs.mkdirSync(this.root, { recursive: true });
    await idempotent(() =>
      this.api.storage.createStorageClass({
        body: {
          apiVersion: 'storage.k8s.io/v1',
          kind: 'StorageClass',
          metadata: {
            name: STORAGE_CLASS,
            annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' },
          },
          provisioner: PROVISIONER,
          reclaimPolicy: 'Delete',
          volumeBindingMode: 'Immediate',
        },
      })
    );
  }

  /** Directory of a PV this provisioner made. */
  dirOf(pvName: string): string {
    return path.join(this.root, pvName);
  }

  onClaim(pvc: V1PersistentVolumeClaim): void {
    const uid = pvc.metadata?.uid;
    const ns = pvc.metadata?.namespace;
    const name = pvc.metadata?.name;
    if (uid === undefined || ns === undefined || name === undefined) return;
    if (pvc.metadata?.deletionTimestamp !== undefined) return;
    if ((pvc.spec?.volumeName ?? '') !== '' || pvc.status?.phase === 'Bound') return;
    if ((pvc.spec?.storageClassName ?? '') !== STORAGE_CLASS) return;
    const pvName = `pvc-${uid}`;
    if (this.busy.has(pvName)) return;
    this.busy.add(pvName);
    const dir = this.dirOf(pvName);
    const pv: V1PersistentVolume = {
      apiVersion: 'v1',
      kind: 'PersistentVolume',
      metadata: { name: pvName, annotations: { 'pv.kubernetes.io/provisioned-by': PROVISIONER } },
      spec: {
        capacity: { storage: pvc.spec?.resources?.requests?.['storage'] ?? '1Gi' },
        accessModes: pvc.spec?.accessModes ?? ['ReadWriteOnce'],
        persistentVolumeReclaimPolicy: 'Delete',
        storageClassName: STORAGE_CLASS,
        volumeMode: pvc.spec?.volumeMode ?? 'Filesystem',
        claimRef: { apiVersion: 'v1', kind: 'PersistentVolumeClaim', namespace: ns, name, uid },
        hostPath: { path: dir, type: 'DirectoryOrCreate' },
      },
    };
    fs.mkdirSync(dir, { recursive: true });
    idempotent(() => this.api.core.createPersistentVolume({ body: pv }))
      .then(() => this.log(`provisioned ${pvName} (${dir}) for claim ${ns}/${name}`))
      .catch((err: unknown) => {
        this.log(`provisioning for ${ns}/${name} failed: ${(err as Error).message}`);
        this.busy.delete(pvName);
      });
  }

  onVolume(pv: V1PersistentVolume): void {
    const name = pv.metadata?.name;
    if (name === undefined) return;
    if (pv.metadata?.annotations?.['pv.kubernetes.io/provisioned-by'] !== PROVISIONER) return;
    if (pv.status?.phase !== 'Released' || pv.spec?.persistentVolumeReclaimPolicy !== 'Delete')
      return;
    if (this.busy.has(`delete:${name}`)) return;
    this.busy.add(`delete:${name}`);
    const dir = pv.spec.hostPath?.path;
    if (dir !== undefined && dir.startsWith(this.root + path.sep))
      fs.rmSync(dir, { recursive: true, force: true });
    idempotent(() => this.api.core.deletePersistentVolume({ name }), [404])
      .then(() => this.log(`deleted released volume ${name}`))
      .catch((err: unknown) => {
        this.log(`deleting volume ${name} failed: ${(err as Error).message}`);
        this.busy.delete(`delete:${name}`);
      });
  }
}
