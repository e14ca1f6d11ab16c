import type { V1Container, V1Pod } from '@kubernetes/client-node';
import { PodSetupError } from './errors.js';

/** Where a container's env values come from. */
export interface EnvSources {
  readonly pod: V1Pod;
  readonly podIp: string;
  readonly hostIp: string;
  /** The data of a ConfigMap, or undefined when it does not exist. */
  configMap(namespace: string, name: string): Promise<Record<string, string> | undefined>;
  /** The decoded data of a Secret, or undefined when it does not exist. */
  secret(namespace: string, name: string): Promise<Record<string, string> | undefined>;
}

/**
 * Expands `$(VAR)` references to variables defined in `env` (Kubernetes' rule: `$$` escapes,
 * an unknown reference stays as written).
 */
export function expandVars(value: string, env: Readonly<Record<string, string>>): string {
  return value.replace(
    /\$\$|\$\(([A-Za-z_][A-Za-z0-9_.-]*)\)/g,
    (match, name: string | undefined) => {
      if (match === '$$') return '$';
      return name !== undefined && Object.hasOwn(env, name) ? (env[name] ?? '') : match;
    }
  );
}

/** Value of a downward-API field path such as `metadata.name` or `metadata.labels['app']`. */
export function fieldValue(
  fieldPath: string,
  sources: Pick<EnvSources, 'pod' | 'podIp' | 'hostIp'>
): string {
  const { pod } = sources;
  const mapKey = /^metadata\.(labels|annotations)\['([^']+)'\]$/.exec(fieldPath);
  if (mapKey !== null) {
    const map = mapKey[1] === 'labels' ? pod.metadata?.labels : pod.metadata?.annotations;
    return map?.[mapKey[2] ?? ''] ?? '';
  }
  switch (fieldPath) {
    case 'metadata.name':
      return pod.metadata?.name ?? '';
    case 'metadata.namespace':
      return pod.metadata?.namespace ?? '';
    case 'metadata.uid':
      return pod.metadata?.uid ?? '';
    case 'spec.nodeName':
      return pod.spec?.nodeName ?? '';
    case 'spec.serviceAccountName':
      return pod.spec?.serviceAccountName ?? '';
    case 'status.podIP':
    case 'status.podIPs':
      return sources.podIp;
    case 'status.hostIP':
      return sources.hostIp;
    default:
      throw new PodSetupError(
        'CreateContainerConfigError',
        `unsupported fieldRef.fieldPath "${fieldPath}"`
      );
  }
}

/**
 * The environment of one container: `envFrom` first, then `env` in order (later entries
 * may reference earlier ones with `$(NAME)`). A missing non-optional ConfigMap/Secret or
 * key throws a {@link PodSetupError} with reason CreateContainerConfigError, as a kubelet does.
 */
export async function containerEnv(
  container: V1Container,
  sources: EnvSources
): Promise<Record<string, string>> {
  const ns = sources.pod.metadata?.namespace ?? 'default';
  const env: Record<string, string> = {};
  const missing = (what: string): never => {
    throw new PodSetupError(
      'CreateContainerConfigError',
      `${what} not found (container ${container.name})`
    );
  };
  for (const from of container.envFrom ?? []) {
    const prefix = from.prefix ?? '';
    if (from.configMapRef !== undefined) {
      const name = from.configMapRef.name ?? '';
      const data = await sources.configMap(ns, name);
      if (data === undefined) {
        if (from.configMapRef.optional !== true) missing(`configmap "${name}"`);
        continue;
      }
      for (const [k, v] of Object.entries(data)) env[prefix + k] = v;
    } else if (from.secretRef !== undefined) {
      const name = from.secretRef.name ?? '';
      const data = await sources.secret(ns, name);
      if (data === undefined) {
        if (from.secretRef.optional !== true) missing(`secret "${name}"`);
        continue;
      }
      for (const [k, v] of Object.entries(data)) env[prefix + k] = v;
    }
  }
  for (const e of container.env ?? []) {
    if (e.valueFrom === undefined) {
      env[e.name] = expandVars(e.value ?? '', env);
      continue;
    }
    const vf = e.valueFrom;
    if (vf.fieldRef !== undefined) {
      env[e.name] = fieldValue(vf.fieldRef.fieldPath, sources);
    } else if (vf.configMapKeyRef !== undefined) {
      const ref = vf.configMapKeyRef;
      const value = (await sources.configMap(ns, ref.name ?? ''))?.[ref.key];
      if (value !== undefined) env[e.name] = value;
      else if (ref.optional !== true) missing(`key "${ref.key}" of configmap "${ref.name ?? ''}"`);
    } else if (vf.secretKeyRef !== undefined) {
      const ref = vf.secretKeyRef;
      const value = (await sources.secret(ns, ref.name ?? ''))?.[ref.key];
      if (value !== undefined) env[e.name] = value;
      else if (ref.optional !== true) missing(`key "${ref.key}" of secret "${ref.name ?? ''}"`);
    } else if (vf.resourceFieldRef !== undefined) {
      const [kind, resource] = vf.resourceFieldRef.resource.split('.');
      const table = kind === 'limits' ? container.resources?.limits : container.resources?.requests;
      env[e.name] = String(table?.[resource ?? ''] ?? '0');
    }
  }
  return env;
}
