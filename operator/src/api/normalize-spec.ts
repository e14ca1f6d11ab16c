import { InvalidSpecError } from './errors.js';
import type {
  BrokerClusterSpec,
  OverflowPolicy,
  ReclaimPolicy,
  StoreSpec,
  Toleration,
} from './types.js';

/** Image broker-node runs when spec.image is absent (the CRD's default). */
export const DEFAULT_IMAGE = 'broker-node:0.1.0';

const QUANTITY = /^[0-9]+(\.[0-9]+)?(m|k|Ki|M|Mi|G|Gi|T|Ti)?$/;
const STORAGE_SIZE = /^[0-9]+(Ki|Mi|Gi|Ti)$/;
const STORE_NAME = /^[a-z0-9]([a-z0-9._-]*[a-z0-9])?$/;
const LABEL_KEY = /^([a-z0-9]([-a-z0-9.]*[a-z0-9])?\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;

type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function obj(v: unknown, field: string): Obj {
  if (v === undefined || v === null) return {};
  if (!isObj(v)) throw new InvalidSpecError(field, 'must be an object');
  return v;
}

function int(v: unknown, field: string, min: number, max: number, dflt?: number): number {
  if (v === undefined || v === null) {
    if (dflt === undefined) throw new InvalidSpecError(field, 'is required');
    return dflt;
  }
  if (typeof v !== 'number' || !Number.isInteger(v))
    throw new InvalidSpecError(field, `must be an integer, got ${JSON.stringify(v)}`);
  if (v < min || v > max)
    throw new InvalidSpecError(field, `must be between ${min} and ${max}, got ${v}`);
  return v;
}

function optInt(v: unknown, field: string, min: number, max: number): number | undefined {
  return v === undefined || v === null ? undefined : int(v, field, min, max);
}

function str(v: unknown, field: string, dflt?: string): string {
  if (v === undefined || v === null) {
    if (dflt === undefined) throw new InvalidSpecError(field, 'is required');
    return dflt;
  }
  if (typeof v !== 'string') throw new InvalidSpecError(field, 'must be a string');
  return v;
}

function oneOf<T extends string>(v: unknown, field: string, choices: readonly T[], dflt: T): T {
  const s = str(v, field, dflt);
  if (!(choices as readonly string[]).includes(s))
    throw new InvalidSpecError(field, `must be one of ${choices.join(', ')}, got "${s}"`);
  return s as T;
}

function bool(v: unknown, field: string, dflt: boolean): boolean {
  if (v === undefined || v === null) return dflt;
  if (typeof v !== 'boolean') throw new InvalidSpecError(field, 'must be true or false');
  return v;
}

function stringMap(v: unknown, field: string, keyCheck = true): Record<string, string> | undefined {
  if (v === undefined || v === null) return undefined;
  const o = obj(v, field);
  const out: Record<string, string> = {};
  for (const [k, val] of Object.entries(o)) {
    if (keyCheck && (k.length > 316 || !LABEL_KEY.test(k)))
      throw new InvalidSpecError(`${field}.${k}`, 'is not a valid label or annotation key');
    if (typeof val !== 'string') throw new InvalidSpecError(`${field}.${k}`, 'must be a string');
    out[k] = val;
  }
  return out;
}

function quantities(v: unknown, field: string): Record<string, string | number> | undefined {
  if (v === undefined || v === null) return undefined;
  const out: Record<string, string | number> = {};
  for (const [k, val] of Object.entries(obj(v, field))) {
    const s = typeof val === 'number' ? String(val) : val;
    if (typeof s !== 'string' || !QUANTITY.test(s))
      throw new InvalidSpecError(`${field}.${k}`, `is not a quantity: ${JSON.stringify(val)}`);
    out[k] = val as string | number;
  }
  return out;
}

function stores(v: unknown, replicas: number, rf: number): StoreSpec[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw new InvalidSpecError('spec.stores', 'must be a list');
  if (v.length > 256) throw new InvalidSpecError('spec.stores', 'has more than 256 stores');
  const seen = new Set<string>();
  return v.map((raw: unknown, i): StoreSpec => {
    const f = `spec.stores[${i}]`;
    const s = obj(raw, f);
    const name = str(s.name, `${f}.name`);
    if (name.length > 63 || !STORE_NAME.test(name))
      throw new InvalidSpecError(
        `${f}.name`,
        `"${name}" is not a store name (lower-case letters, digits, ".", "_", "-"; at most 63)`
      );
    if (seen.has(name))
      throw new InvalidSpecError(`${f}.name`, `store "${name}" is declared twice`);
    seen.add(name);
    const srf = optInt(s.replicationFactor, `${f}.replicationFactor`, 1, 7);
    if ((srf ?? rf) > replicas)
      throw new InvalidSpecError(
        `${f}.replicationFactor`,
        `${srf ?? rf} replicas of store "${name}" need at least that many peers, spec.replicas is ${replicas}`
      );
    const maxKeys = optInt(s.maxKeys, `${f}.maxKeys`, 0, Number.MAX_SAFE_INTEGER);
    const maxBytes = optInt(s.maxBytes, `${f}.maxBytes`, 0, Number.MAX_SAFE_INTEGER);
    return {
      name,
      ...(srf === undefined ? {} : { replicationFactor: srf }),
      ...(maxKeys === undefined ? {} : { maxKeys }),
      ...(maxBytes === undefined ? {} : { maxBytes }),
    };
  });
}

function tolerations(v: unknown): Toleration[] | undefined {
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v))
    throw new InvalidSpecError('spec.podTemplate.tolerations', 'must be a list');
  return v.map((raw: unknown, i) => {
    const f = `spec.podTemplate.tolerations[${i}]`;
    const t = obj(raw, f);
    const out: Record<string, unknown> = {};
    if (t.key !== undefined) out.key = str(t.key, `${f}.key`);
    if (t.operator !== undefined)
      out.operator = oneOf(t.operator, `${f}.operator`, ['Exists', 'Equal'] as const, 'Equal');
    if (t.value !== undefined) out.value = str(t.value, `${f}.value`);
    if (t.effect !== undefined)
      out.effect = oneOf(
        t.effect,
        `${f}.effect`,
        ['NoSchedule', 'PreferNoSchedule', 'NoExecute'] as const,
        'NoSchedule'
      );
    if (t.tolerationSeconds !== undefined)
      out.tolerationSeconds = int(t.tolerationSeconds, `${f}.tolerationSeconds`, 0, 2 ** 31);
    return out as Toleration;
  });
}

/**
 * Validates a BrokerCluster's spec and fills its defaults (the same as the CRD's, so a spec
 * written before a default existed means the same thing). Rules a 1.20 schema cannot
 * express are checked here. Throws {@link InvalidSpecError} naming the first bad field.
 */
export function normalizeSpec(raw: unknown): BrokerClusterSpec {
  if (!isObj(raw)) throw new InvalidSpecError('spec', 'is required and must be an object');
  const replicas = int(raw.replicas, 'spec.replicas', 1, 99, 3);
  const replicationFactor = int(raw.replicationFactor, 'spec.replicationFactor', 1, 7, 3);
  if (replicationFactor > replicas)
    throw new InvalidSpecError(
      'spec.replicationFactor',
      `${replicationFactor} replicas need at least that many peers, spec.replicas is ${replicas}`
    );
  const image = str(raw.image, 'spec.image', DEFAULT_IMAGE);
  if (image.length === 0 || image.length > 512 || /\s/.test(image))
    throw new InvalidSpecError('spec.image', `"${image}" is not an image reference`);
  const res = obj(raw.resources, 'spec.resources');
  const requests = quantities(res.requests, 'spec.resources.requests');
  const limits = quantities(res.limits, 'spec.resources.limits');
  const st = obj(raw.storage, 'spec.storage');
  const size = str(st.size, 'spec.storage.size', '1Gi');
  if (!STORAGE_SIZE.test(size))
    throw new InvalidSpecError('spec.storage.size', `"${size}" is not a size like 1Gi`);
  const storageClassName =
    st.storageClassName === undefined || st.storageClassName === ''
      ? undefined
      : str(st.storageClassName, 'spec.storage.storageClassName');
  const reclaimPolicy = oneOf<ReclaimPolicy>(
    st.reclaimPolicy,
    'spec.storage.reclaimPolicy',
    ['Retain', 'Delete'],
    'Retain'
  );
  const ps = obj(raw.pubsub, 'spec.pubsub');
  const maxMessageBytes = optInt(ps.maxMessageBytes, 'spec.pubsub.maxMessageBytes', 1024, 64 << 20);
  const subscriberQueue = optInt(ps.subscriberQueue, 'spec.pubsub.subscriberQueue', 1, 1_000_000);
  const overflowPolicy = oneOf<OverflowPolicy>(
    ps.overflowPolicy,
    'spec.pubsub.overflowPolicy',
    ['block', 'drop-oldest', 'disconnect'],
    'block'
  );
  const tls = obj(raw.tls, 'spec.tls');
  const tlsEnabled = bool(tls.enabled, 'spec.tls.enabled', false);
  const secretName =
    tls.secretName === undefined || tls.secretName === ''
      ? undefined
      : str(tls.secretName, 'spec.tls.secretName');
  if (tlsEnabled && secretName === undefined)
    throw new InvalidSpecError('spec.tls.secretName', 'is required when spec.tls.enabled is true');
  const metrics = obj(raw.metrics, 'spec.metrics');
  const pt = obj(raw.podTemplate, 'spec.podTemplate');
  const labels = stringMap(pt.labels, 'spec.podTemplate.labels');
  const annotations = stringMap(pt.annotations, 'spec.podTemplate.annotations');
  const nodeSelector = stringMap(pt.nodeSelector, 'spec.podTemplate.nodeSelector');
  const tols = tolerations(pt.tolerations);
  const affinity =
    pt.affinity === undefined || pt.affinity === null
      ? undefined
      : obj(pt.affinity, 'spec.podTemplate.affinity');
  return {
    replicas,
    image,
    imagePullPolicy: oneOf(
      raw.imagePullPolicy,
      'spec.imagePullPolicy',
      ['Always', 'IfNotPresent', 'Never'] as const,
      'IfNotPresent'
    ),
    replicationFactor,
    resources: {
      ...(requests === undefined ? {} : { requests }),
      ...(limits === undefined ? {} : { limits }),
    },
    storage: {
      size,
      reclaimPolicy,
      ...(storageClassName === undefined ? {} : { storageClassName }),
    },
    stores: stores(raw.stores, replicas, replicationFactor),
    pubsub: {
      overflowPolicy,
      ...(maxMessageBytes === undefined ? {} : { maxMessageBytes }),
      ...(subscriberQueue === undefined ? {} : { subscriberQueue }),
    },
    tls: { enabled: tlsEnabled, ...(secretName === undefined ? {} : { secretName }) },
    metrics: { serviceMonitor: bool(metrics.serviceMonitor, 'spec.metrics.serviceMonitor', false) },
    podTemplate: {
      ...(labels === undefined ? {} : { labels }),
      ...(annotations === undefined ? {} : { annotations }),
      ...(nodeSelector === undefined ? {} : { nodeSelector }),
      ...(tols === undefined ? {} : { tolerations: tols }),
      ...(affinity === undefined ? {} : { affinity }),
    },
    failover: {
      replaceAfterSeconds: int(
        obj(raw.failover, 'spec.failover').replaceAfterSeconds,
        'spec.failover.replaceAfterSeconds',
        30,
        604_800,
        600
      ),
    },
    paused: bool(raw.paused, 'spec.paused', false),
  };
}
