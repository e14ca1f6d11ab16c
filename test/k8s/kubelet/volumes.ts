import fs from 'node:fs';
import path from 'node:path';
import type {
  V1Container,
  V1PersistentVolume,
  V1PersistentVolumeClaim,
  V1Pod,
} from '@kubernetes/client-node';
import { fieldValue } from './env.js';
import { PodSetupError } from './errors.js';

/** What the volume preparation reads from the API. */
export interface VolumeSources {
  configMap(namespace: string, name: string): Promise<Record<string, string> | undefined>;
  secret(namespace: string, name: string): Promise<Record<string, string> | undefined>;
  pvc(namespace: string, name: string): Promise<V1PersistentVolumeClaim | undefined>;
  pv(name: string): Promise<V1PersistentVolume | undefined>;
}

/** A prepared volume: the host directory standing in for it. */
export interface PreparedVolume {
  readonly name: string;
  readonly hostPath: string;
  /** True for PersistentVolume-backed volumes (these outlive the pod). */
  readonly persistent: boolean;
}

/** One bind mount of a container: `source` on the host appears at `target` in the pod. */
export interface Mount {
  readonly source: string;
  readonly target: string;
  readonly readOnly: boolean;
}

function writeFiles(dir: string, files: Record<string, string>, mode: number | undefined): void {
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  for (const [rel, content] of Object.entries(files)) {
    const normal = path.normalize(rel);
    if (normal.startsWith('..') || path.isAbsolute(normal)) {
      throw new PodSetupError('InvalidVolume', `volume file path "${rel}" leaves the volume`);
    }
    const file = path.join(dir, normal);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, content, mode === undefined ? {} : { mode });
  }
}

function selectItems(
  data: Record<string, string>,
  items: readonly { key: string; path: string }[] | undefined,
  what: string
): Record<string, string> {
  if (items === undefined || items.length === 0) return data;
  const out: Record<string, string> = {};
  for (const item of items) {
    const value = data[item.key];
    if (value === undefined)
      throw new PodSetupError('CreateContainerConfigError', `key "${item.key}" not in ${what}`);
    out[item.path] = value;
  }
  return out;
}

/**
 * Materialises every volume of `pod` under `podDir/volumes` (or, for a PersistentVolumeClaim,
 * finds its PV's directory). A volume that cannot be ready yet (claim not bound, ConfigMap
 * missing) throws a {@link PodSetupError}; the caller retries, as a kubelet keeps a pod in
 * ContainerCreating.
 */
export async function prepareVolumes(
  pod: V1Pod,
  podDir: string,
  podIp: string,
  hostIp: string,
  sources: VolumeSources
): Promise<Map<string, PreparedVolume>> {
  const ns = pod.metadata?.namespace ?? 'default';
  const out = new Map<string, PreparedVolume>();
  for (const vol of pod.spec?.volumes ?? []) {
    const dir = path.join(podDir, 'volumes', vol.name);
    if (vol.emptyDir !== undefined) {
      fs.mkdirSync(dir, { recursive: true });
      out.set(vol.name, { name: vol.name, hostPath: dir, persistent: false });
    } else if (vol.configMap !== undefined) {
      const name = vol.configMap.name ?? '';
      const data = await sources.configMap(ns, name);
      if (data === undefined && vol.configMap.optional !== true) {
        throw new PodSetupError(
          'ContainerCreating',
          `configmap "${name}" for volume "${vol.name}" not found`
        );
      }
      writeFiles(
        dir,
        selectItems(data ?? {}, vol.configMap.items, `configmap "${name}"`),
        vol.configMap.defaultMode
      );
      out.set(vol.name, { name: vol.name, hostPath: dir, persistent: false });
    } else if (vol.secret !== undefined) {
      const name = vol.secret.secretName ?? '';
      const data = await sources.secret(ns, name);
      if (data === undefined && vol.secret.optional !== true) {
        throw new PodSetupError(
          'ContainerCreating',
          `secret "${name}" for volume "${vol.name}" not found`
        );
      }
      writeFiles(
        dir,
        selectItems(data ?? {}, vol.secret.items, `secret "${name}"`),
        vol.secret.defaultMode
      );
      out.set(vol.name, { name: vol.name, hostPath: dir, persistent: false });
    } else if (vol.downwardAPI !== undefined) {
      const files: Record<string, string> = {};
      for (const item of vol.downwardAPI.items ?? []) {
        if (item.fieldRef !== undefined)
          files[item.path] = fieldValue(item.fieldRef.fieldPath, { pod, podIp, hostIp });
      }
      writeFiles(dir, files, vol.downwardAPI.defaultMode);
      out.set(vol.name, { name: vol.name, hostPath: dir, persistent: false });
    } else if (vol.persistentVolumeClaim !== undefined) {
      const claim = vol.persistentVolumeClaim.claimName;
      const pvc = await sources.pvc(ns, claim);
      if (pvc === undefined) {
        throw new PodSetupError('ContainerCreating', `persistentvolumeclaim "${claim}" not found`);
      }
      const pvName = pvc.spec?.volumeName;
      if (pvc.status?.phase !== 'Bound' || pvName === undefined || pvName === '') {
        throw new PodSetupError(
          'ContainerCreating',
          `persistentvolumeclaim "${claim}" is not bound yet`
        );
      }
      const pv = await sources.pv(pvName);
      const hostPath = pv?.spec?.hostPath?.path ?? pv?.spec?.local?.path;
      if (hostPath === undefined) {
        throw new PodSetupError(
          'ContainerCreating',
          `persistentvolume "${pvName}" has no local directory`
        );
      }
      fs.mkdirSync(hostPath, { recursive: true });
      out.set(vol.name, { name: vol.name, hostPath, persistent: true });
    } else if (vol.hostPath !== undefined) {
      if (vol.hostPath.type === 'DirectoryOrCreate')
        fs.mkdirSync(vol.hostPath.path, { recursive: true });
      out.set(vol.name, { name: vol.name, hostPath: vol.hostPath.path, persistent: false });
    } else {
      throw new PodSetupError(
        'UnsupportedVolume',
        `volume "${vol.name}" has a type the test kubelet does not support ` +
          '(supported: emptyDir, configMap, secret, downwardAPI, persistentVolumeClaim, hostPath)'
      );
    }
  }
  return out;
}

/** The bind mounts of one container, from its volumeMounts. */
export function containerMounts(
  container: V1Container,
  volumes: ReadonlyMap<string, PreparedVolume>
): Mount[] {
  const mounts: Mount[] = [];
  for (const vm of container.volumeMounts ?? []) {
    const vol = volumes.get(vm.name);
    if (vol === undefined) {
      throw new PodSetupError(
        'CreateContainerConfigError',
        `volumeMount "${vm.name}" names no volume of the pod`
      );
    }
    let source = vol.hostPath;
    if (vm.subPath !== undefined && vm.subPath !== '') {
      const sub = path.normalize(vm.subPath);
      if (sub.startsWith('..') || path.isAbsolute(sub)) {
        throw new PodSetupError(
          'CreateContainerConfigError',
          `subPath "${vm.subPath}" leaves the volume`
        );
      }
      source = path.join(vol.hostPath, sub);
      if (!fs.existsSync(source)) fs.mkdirSync(source, { recursive: true });
    }
    if (!path.isAbsolute(vm.mountPath)) {
      throw new PodSetupError(
        'CreateContainerConfigError',
        `mountPath "${vm.mountPath}" is not absolute`
      );
    }
    mounts.push({ source, target: vm.mountPath, readOnly: vm.readOnly === true });
  }
  return mounts;
}
