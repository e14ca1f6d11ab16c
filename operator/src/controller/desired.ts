/**
 * Pure builders of the objects a BrokerCluster owns: given the normalized spec, what each
 * object should say. Applied with server-side apply, so each builder lists exactly the
 * fields the operator owns (and nothing it does not mean to force).
 */
import { createHash } from 'node:crypto';
import type {
  V1ConfigMap,
  V1EnvVar,
  V1OwnerReference,
  V1PodDisruptionBudget,
  V1Service,
  V1ServiceAccount,
  V1StatefulSet,
  V1Volume,
  V1VolumeMount,
} from '@kubernetes/client-node';
import { API_VERSION, KIND, type BrokerCluster, type BrokerClusterSpec } from '../api/index.js';
import {
  commonLabels,
  GRPC_PORT,
  HTTP_PORT,
  memberAddress,
  selectorLabels,
  type ClusterNames,
} from './names.js';

/** Pod annotation carrying the config's hash: a config change changes the pod template. */
export const CONFIG_HASH_ANNOTATION = 'brokercluster.dev/config-hash';
/**
 * On the StatefulSet: how many founders the cluster was created with (1, 3 or 5). It fixes
 * the peers' --peers and --meta-voters for the cluster's life, so a scale step leaves the pod
 * template alone and rolls no peer.
 */
export const FOUNDERS_ANNOTATION = 'brokercluster.dev/founders';

/**
 * The founders of a cluster: what its StatefulSet says, else (a new cluster, or one made by
 * an operator before the annotation) the meta voters for its current or requested size.
 */
export function foundersOf(
  sts:
    | { metadata?: { annotations?: Record<string, string> }; spec?: { replicas?: number } }
    | undefined,
  replicas: number
): number {
  const n = Number(sts?.metadata?.annotations?.[FOUNDERS_ANNOTATION]);
  if (n === 1 || n === 3 || n === 5) return n;
  return metaVoters(sts?.spec?.replicas ?? replicas);
}
/** Non-root uid/gid of broker-node in its image (node/Containerfile). */
export const RUN_AS = 10001;
const SECRET_KEY = 'cluster-secret';

export function ownerReference(bc: BrokerCluster): V1OwnerReference {
  return {
    apiVersion: API_VERSION,
    kind: KIND,
    name: bc.metadata.name,
    uid: bc.metadata.uid,
    controller: true,
    blockOwnerDeletion: true,
  };
}

function meta(names: ClusterNames, name: string, owner: V1OwnerReference) {
  return {
    name,
    namespace: names.namespace,
    labels: commonLabels(names.cluster),
    ownerReferences: [owner],
  };
}

export function desiredServiceAccount(
  names: ClusterNames,
  owner: V1OwnerReference
): V1ServiceAccount {
  return {
    apiVersion: 'v1',
    kind: 'ServiceAccount',
    metadata: meta(names, names.serviceAccount, owner),
    // Peers never call the Kubernetes API.
    automountServiceAccountToken: false,
  };
}

/** broker-node's configuration as its BROKER_* environment (the flags of the same names). */
export function desiredConfigMap(
  names: ClusterNames,
  spec: BrokerClusterSpec,
  owner: V1OwnerReference
): V1ConfigMap {
  const data: Record<string, string> = {
    BROKER_OVERFLOW_POLICY: spec.pubsub.overflowPolicy,
    BROKER_LOG_LEVEL: 'info',
  };
  if (spec.pubsub.maxMessageBytes !== undefined) {
    data.BROKER_MAX_MESSAGE_BYTES = String(spec.pubsub.maxMessageBytes);
    // The node requires batches at least as large as one message.
    data.BROKER_MAX_BATCH_BYTES = String(Math.max(spec.pubsub.maxMessageBytes, 4 << 20));
  }
  if (spec.pubsub.subscriberQueue !== undefined) {
    data.BROKER_SUBSCRIBER_QUEUE = String(spec.pubsub.subscriberQueue);
    data.BROKER_MAX_SUBSCRIBER_QUEUE = String(Math.max(spec.pubsub.subscriberQueue, 65536));
  }
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: meta(names, names.configMap, owner),
    data,
  };
}

/** Hash of what a peer is configured with outside its pod template. */
export function configHash(cm: V1ConfigMap): string {
  const data = cm.data ?? {};
  const text = Object.keys(data)
    .sort()
    .map((k) => `${k}=${data[k]}`)
    .join('\n');
  return createHash('sha256').update(text).digest('hex').slice(0, 16);
}

export function desiredPeerService(names: ClusterNames, owner: V1OwnerReference): V1Service {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: meta(names, names.peerService, owner),
    spec: {
      clusterIP: 'None',
      // Peers must find each other before they are Ready: readiness depends on the mesh.
      publishNotReadyAddresses: true,
      selector: selectorLabels(names.cluster),
      ports: [{ name: 'grpc', port: GRPC_PORT, targetPort: 'grpc', protocol: 'TCP' }],
    },
  };
}

export function desiredClientService(names: ClusterNames, owner: V1OwnerReference): V1Service {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: meta(names, names.clientService, owner),
    spec: {
      type: 'ClusterIP',
      selector: selectorLabels(names.cluster),
      ports: [
        { name: 'grpc', port: GRPC_PORT, targetPort: 'grpc', protocol: 'TCP' },
        { name: 'http', port: HTTP_PORT, targetPort: 'http', protocol: 'TCP' },
      ],
    },
  };
}

/**
 * At most one peer down by a voluntary disruption: with the replication factor R, one
 * missing replica still leaves a quorum for R >= 3.
 */
export function desiredPdb(
  names: ClusterNames,
  owner: V1OwnerReference,
  apiVersion: 'policy/v1' | 'policy/v1beta1'
): V1PodDisruptionBudget {
  return {
    apiVersion,
    kind: 'PodDisruptionBudget',
    metadata: meta(names, names.pdb, owner),
    spec: { maxUnavailable: 1, selector: { matchLabels: selectorLabels(names.cluster) } },
  };
}

/** A prometheus-operator ServiceMonitor for the client Service's http port. */
export function desiredServiceMonitor(
  names: ClusterNames,
  owner: V1OwnerReference
): Record<string, unknown> & { apiVersion: string; kind: string; metadata: object } {
  return {
    apiVersion: 'monitoring.coreos.com/v1',
    kind: 'ServiceMonitor',
    metadata: meta(names, names.serviceMonitor, owner),
    spec: {
      selector: { matchLabels: selectorLabels(names.cluster) },
      endpoints: [{ port: 'http', path: '/metrics', interval: '30s' }],
    },
  };
}

/** The cluster secret peers prove their ids with; created once, never re-generated. */
export function clusterSecretData(random: Buffer): Record<string, string> {
  return { [SECRET_KEY]: random.toString('base64') };
}

/**
 * The admin token: 32 random bytes as hex (printable, as --admin-token-file wants); created
 * once, never re-generated. The operator reads it back and sends it as `Bearer` on its calls.
 */
export function adminTokenData(random: Buffer): Record<string, string> {
  return { [ADMIN_TOKEN_KEY]: Buffer.from(random.toString('hex'), 'utf8').toString('base64') };
}

export const ADMIN_TOKEN_KEY = 'admin-token';
export const ADMIN_TOKEN_MOUNT = '/etc/broker/admin';
export const SECRET_MOUNT = '/etc/broker/secret';
export const TLS_MOUNT = '/etc/broker/tls';
export const DATA_MOUNT = '/data';

/**
 * Meta voters (and so the founders) for a cluster of `replicas` peers: 5 from five peers on,
 * 3 from three, else 1 (broker-node's own rule, made explicit so that it does not depend on
 * how many ids --peers lists).
 */
export function metaVoters(replicas: number): number {
  return replicas >= 5 ? 5 : replicas >= 3 ? 3 : 1;
}

function nodeArgs(names: ClusterNames, spec: BrokerClusterSpec, founders: number): string[] {
  // --peers lists the founders by their stable DNS names, whatever spec.replicas is: a new
  // cluster's founders form the meta group, a later peer asks them (Discover) and joins, and
  // every peer learns the others from the cluster map to complete the pub/sub mesh. So a
  // scale step does not change the pod template and restarts no peer.
  const peers = Array.from(
    { length: founders },
    (_, i) => `${names.statefulSet}-${i}=${memberAddress(names, `${names.statefulSet}-${i}`)}`
  );
  const args = [
    '--id=$(POD_NAME)',
    // The listen address is what a peer advertises to the cluster: its stable DNS name (the
    // kubelet puts it in the pod's /etc/hosts), so a restarted pod with a new IP keeps it.
    `--listen=$(POD_NAME).${names.peerService}.${names.namespace}.svc.cluster.local:${GRPC_PORT}`,
    `--http=0.0.0.0:${HTTP_PORT}`,
    `--peers=${peers.join(',')}`,
    `--meta-voters=${founders}`,
    `--replication-factor=${spec.replicationFactor}`,
    `--data-dir=${DATA_MOUNT}`,
    `--cluster-secret-file=${SECRET_MOUNT}/${SECRET_KEY}`,
    `--admin-token-file=${ADMIN_TOKEN_MOUNT}/${ADMIN_TOKEN_KEY}`,
  ];
  if (spec.tls.enabled) {
    args.push(`--tls-cert=${TLS_MOUNT}/tls.crt`, `--tls-key=${TLS_MOUNT}/tls.key`);
    // ca.crt is optional in the Secret; broker-node then serves TLS without client certs.
    args.push(`--tls-ca=${TLS_MOUNT}/ca.crt`);
  } else {
    // Plaintext on the pod network; peers still prove their ids with the cluster secret.
    args.push('--insecure');
  }
  return args;
}

/**
 * The peers' StatefulSet. `replicas` is the operator's current step (it differs from
 * spec.replicas while a scale down drains), `configHashValue` rolls pods on config changes.
 * OnDelete: the operator rolls pods itself, one at a time, moving leadership off first.
 */
export function desiredStatefulSet(
  names: ClusterNames,
  spec: BrokerClusterSpec,
  owner: V1OwnerReference,
  replicas: number,
  configHashValue: string,
  founders: number = metaVoters(replicas)
): V1StatefulSet {
  const field = (fieldPath: string) => ({ valueFrom: { fieldRef: { fieldPath } } });
  const env: V1EnvVar[] = [
    { name: 'POD_NAME', ...field('metadata.name') },
    { name: 'POD_NAMESPACE', ...field('metadata.namespace') },
    { name: 'POD_IP', ...field('status.podIP') },
  ];
  const mounts: V1VolumeMount[] = [
    { name: 'data', mountPath: DATA_MOUNT },
    { name: 'cluster-secret', mountPath: SECRET_MOUNT, readOnly: true },
    { name: 'admin-token', mountPath: ADMIN_TOKEN_MOUNT, readOnly: true },
    { name: 'tmp', mountPath: '/tmp' },
  ];
  const volumes: V1Volume[] = [
    {
      name: 'cluster-secret',
      secret: { secretName: names.secret, defaultMode: 0o400 },
    },
    {
      name: 'admin-token',
      secret: { secretName: names.adminTokenSecret, defaultMode: 0o400 },
    },
    { name: 'tmp', emptyDir: { sizeLimit: '64Mi' } },
  ];
  if (spec.tls.enabled && spec.tls.secretName !== undefined) {
    mounts.push({ name: 'tls', mountPath: TLS_MOUNT, readOnly: true });
    volumes.push({ name: 'tls', secret: { secretName: spec.tls.secretName, defaultMode: 0o400 } });
  }
  const podLabels = { ...spec.podTemplate.labels, ...commonLabels(names.cluster) };
  const podAnnotations = {
    ...spec.podTemplate.annotations,
    [CONFIG_HASH_ANNOTATION]: configHashValue,
  };
  return {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: {
      ...meta(names, names.statefulSet, owner),
      annotations: { [FOUNDERS_ANNOTATION]: String(founders) },
    },
    spec: {
      replicas,
      serviceName: names.peerService,
      // Peers of a new cluster must all start to form the metadata group.
      podManagementPolicy: 'Parallel',
      updateStrategy: { type: 'OnDelete' },
      selector: { matchLabels: selectorLabels(names.cluster) },
      template: {
        metadata: { labels: podLabels, annotations: podAnnotations },
        spec: {
          serviceAccountName: names.serviceAccount,
          automountServiceAccountToken: false,
          terminationGracePeriodSeconds: 30,
          securityContext: {
            runAsNonRoot: true,
            runAsUser: RUN_AS,
            runAsGroup: RUN_AS,
            fsGroup: RUN_AS,
            seccompProfile: { type: 'RuntimeDefault' },
          },
          ...(spec.podTemplate.nodeSelector === undefined
            ? {}
            : { nodeSelector: { ...spec.podTemplate.nodeSelector } }),
          ...(spec.podTemplate.tolerations === undefined
            ? {}
            : { tolerations: spec.podTemplate.tolerations.map((t) => ({ ...t })) }),
          ...(spec.podTemplate.affinity === undefined
            ? {}
            : { affinity: structuredClone(spec.podTemplate.affinity) }),
          containers: [
            {
              name: 'broker-node',
              image: spec.image,
              imagePullPolicy: spec.imagePullPolicy,
              args: nodeArgs(names, spec, founders),
              env,
              envFrom: [{ configMapRef: { name: names.configMap } }],
              ports: [
                { name: 'grpc', containerPort: GRPC_PORT, protocol: 'TCP' },
                { name: 'http', containerPort: HTTP_PORT, protocol: 'TCP' },
              ],
              readinessProbe: {
                httpGet: { path: '/readyz', port: 'http' },
                periodSeconds: 2,
                timeoutSeconds: 3,
                failureThreshold: 3,
              },
              livenessProbe: {
                httpGet: { path: '/healthz', port: 'http' },
                initialDelaySeconds: 10,
                periodSeconds: 10,
                timeoutSeconds: 5,
                failureThreshold: 6,
              },
              ...(Object.keys(spec.resources).length === 0
                ? {}
                : { resources: structuredClone(spec.resources) as object }),
              securityContext: {
                allowPrivilegeEscalation: false,
                readOnlyRootFilesystem: true,
                runAsNonRoot: true,
                capabilities: { drop: ['ALL'] },
                seccompProfile: { type: 'RuntimeDefault' },
              },
              volumeMounts: mounts,
            },
          ],
          volumes,
        },
      },
      volumeClaimTemplates: [
        {
          apiVersion: 'v1',
          kind: 'PersistentVolumeClaim',
          metadata: { name: 'data', labels: selectorLabels(names.cluster) },
          spec: {
            accessModes: ['ReadWriteOnce'],
            resources: { requests: { storage: spec.storage.size } },
            ...(spec.storage.storageClassName === undefined
              ? {}
              : { storageClassName: spec.storage.storageClassName }),
          },
        },
      ],
    },
  };
}
