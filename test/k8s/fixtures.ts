// Manifests and helpers shared by the Kubernetes environment tests.
import http from 'node:http';
import type { V1ConfigMap, V1Pod, V1Service, V1StatefulSet } from '@kubernetes/client-node';

/** Labels of the test StatefulSet's pods. */
export const APP_LABELS = { app: 'web' };

export function testappConfigMap(name: string): V1ConfigMap {
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name },
    data: { greeting: 'hello from a configmap' },
  };
}

export function headlessService(name: string): V1Service {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name },
    spec: { clusterIP: 'None', selector: APP_LABELS, ports: [{ name: 'http', port: 8080 }] },
  };
}

/**
 * A StatefulSet running the test program with downward-API env, a ConfigMap (as env and as
 * files), a readiness probe on /ready checked every second, a lenient liveness probe, and a
 * 10Mi volume per pod.
 */
export function testappStatefulSet(
  name: string,
  service: string,
  configMap: string,
  replicas: number
): V1StatefulSet {
  const field = (fieldPath: string) => ({ valueFrom: { fieldRef: { fieldPath } } });
  return {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: { name },
    spec: {
      serviceName: service,
      replicas,
      selector: { matchLabels: APP_LABELS },
      template: {
        metadata: { labels: APP_LABELS },
        spec: {
          terminationGracePeriodSeconds: 5,
          containers: [
            {
              name: 'app',
              image: 'brokercluster-testapp:1',
              ports: [{ name: 'http', containerPort: 8080 }],
              env: [
                { name: 'POD_NAME', ...field('metadata.name') },
                { name: 'POD_NAMESPACE', ...field('metadata.namespace') },
                { name: 'POD_IP', ...field('status.podIP') },
                { name: 'NODE_NAME', ...field('spec.nodeName') },
                { name: 'DATA_DIR', value: '/data' },
                {
                  name: 'GREETING',
                  valueFrom: { configMapKeyRef: { name: configMap, key: 'greeting' } },
                },
              ],
              // A 503 from /ready counts at once; slow answers on a loaded machine get 3 s.
              readinessProbe: {
                httpGet: { path: '/ready', port: 'http' },
                periodSeconds: 1,
                timeoutSeconds: 3,
                failureThreshold: 1,
              },
              // Lenient on purpose: a restart by liveness would change what tests observe.
              livenessProbe: {
                httpGet: { path: '/healthz', port: 8080 },
                periodSeconds: 5,
                timeoutSeconds: 5,
                failureThreshold: 3,
              },
              volumeMounts: [
                { name: 'data', mountPath: '/data' },
                { name: 'config', mountPath: '/etc/testapp', readOnly: true },
              ],
            },
          ],
          volumes: [{ name: 'config', configMap: { name: configMap } }],
        },
      },
      volumeClaimTemplates: [
        {
          metadata: { name: 'data' },
          spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '10Mi' } } },
        },
      ],
    },
  };
}

/** True when the pod's Ready condition is True. */
export function podReady(pod: V1Pod | undefined): boolean {
  return pod?.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
}

/** A plain HTTP request from the test process (to a pod address); resolves status and body. */
export function request(
  url: string,
  options: { method?: string; body?: string; timeoutMs?: number } = {}
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      url,
      { method: options.method ?? 'GET', timeout: options.timeoutMs ?? 5000 },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      }
    );
    req.on('timeout', () => req.destroy(new Error(`${url} timed out`)));
    req.on('error', reject);
    req.end(options.body);
  });
}
