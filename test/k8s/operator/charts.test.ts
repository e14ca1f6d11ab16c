// The Helm charts: rendered with their defaults and with non-default values files (by
// chart-render, Go text/template + sprig), their schemas refusing bad values, and what they
// render applied to a real API server, where the operator they install (run with the chart's
// own ServiceAccount token, so its RBAC is what is tested) reconciles a cluster.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import {
  CoreV1Api,
  KubeConfig,
  loadYaml,
  type KubernetesObject,
  type V1Deployment,
  type V1PolicyRule,
} from '@kubernetes/client-node';
import { waitFor } from '../harness/index.js';
import { useCluster } from '../harness/jest-support.js';
import {
  chartRenderer,
  CHARTS,
  renderChart,
  ValuesSchemaError,
  type Rendered,
} from './chart-support.js';
import { repoRoot } from '../kubelet/image-table.js';
import { kubectl, startOperator, waitCondition, type OperatorProcess } from './operator-process.js';

const run = promisify(execFile);

function ciValues(chart: string, file: string): Record<string, unknown> {
  return loadYaml<Record<string, unknown>>(
    fs.readFileSync(path.join(CHARTS, chart, 'ci', file), 'utf8')
  );
}

function find<T extends KubernetesObject>(
  objs: KubernetesObject[],
  kind: string,
  name?: string
): T {
  const o = objs.find((x) => x.kind === kind && (name === undefined || x.metadata?.name === name));
  if (o === undefined) throw new Error(`no ${kind} ${name ?? ''} rendered`);
  return o as T;
}

async function schemaProblems(chart: string, values: Record<string, unknown>): Promise<string[]> {
  try {
    await renderChart(chart, values);
  } catch (err) {
    if (err instanceof ValuesSchemaError) return [...err.problems];
    throw err;
  }
  return [];
}

describe('chart-render', () => {
  test('is cached: a second build-chart-renderer.sh run does nothing', async () => {
    const bin = chartRenderer();
    const before = fs.statSync(bin).mtimeMs;
    const { stdout } = await run(
      'bash',
      [path.join(repoRoot(), 'test/k8s/setup/build-chart-renderer.sh')],
      {
        timeout: 60_000,
      }
    );
    expect(stdout).toContain(`cached: ${bin}`);
    expect(fs.statSync(bin).mtimeMs).toBe(before);
  });

  test('a template error names the template', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'chart-bad-'));
    try {
      fs.mkdirSync(path.join(dir, 'templates'));
      fs.writeFileSync(path.join(dir, 'Chart.yaml'), 'apiVersion: v2\nname: bad\nversion: 0.0.1\n');
      fs.writeFileSync(
        path.join(dir, 'templates', 'x.yaml'),
        '{{ required "x.name is required" .Values.x }}\n'
      );
      const err = await run(chartRenderer(), ['--chart', dir]).then(
        () => undefined,
        (e: unknown) => e as { stderr: string; code: number }
      );
      expect(err?.code).toBe(2);
      expect(err?.stderr).toMatch(/bad\/templates\/x\.yaml.*x\.name is required/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('broker-operator chart', () => {
  test('defaults: CRD, least-privilege RBAC, two replicas with leader election, test hook', async () => {
    const r = await renderChart('broker-operator', {}, { name: 'ops', namespace: 'ops' });
    const kinds = r.objects.map((o) => o.kind).sort();
    expect(kinds).toEqual([
      'ClusterRole',
      'ClusterRoleBinding',
      'CustomResourceDefinition',
      'Deployment',
      'Pod',
      'Role',
      'RoleBinding',
      'Service',
      'ServiceAccount',
    ]);
    const dep = find<V1Deployment>(r.objects, 'Deployment');
    expect(dep.metadata?.name).toBe('ops-broker-operator');
    expect(dep.spec?.replicas).toBe(2);
    const c = dep.spec?.template.spec?.containers[0];
    expect(c?.image).toBe('broker-operator:0.1.0');
    expect(c?.args).toContain('--lease-name=ops-broker-operator');
    expect(c?.args?.some((a) => a.startsWith('--namespace'))).toBe(false);
    expect(c?.securityContext?.readOnlyRootFilesystem).toBe(true);
    expect(dep.spec?.template.spec?.securityContext?.runAsNonRoot).toBe(true);
    const role = find<KubernetesObject & { rules: V1PolicyRule[] }>(r.objects, 'ClusterRole');
    // Least privilege: no wildcard, no verb on Secrets beyond get/create.
    for (const rule of role.rules) {
      expect(rule.verbs).not.toContain('*');
      expect(rule.resources).not.toContain('*');
    }
    expect(role.rules.find((x) => x.resources?.includes('secrets'))?.verbs).toEqual([
      'get',
      'create',
    ]);
    const hook = find(r.objects, 'Pod');
    expect(hook.metadata?.annotations?.['helm.sh/hook']).toBe('test');
    expect(r.notes).toMatch(/every namespace/);
  });

  test('a non-default values file: one namespaced replica, its image and Lease timings', async () => {
    const r = await renderChart(
      'broker-operator',
      ciValues('broker-operator', 'namespaced-values.yaml'),
      {
        name: 'ops',
        namespace: 'ops',
      }
    );
    expect(r.objects.some((o) => o.kind === 'ClusterRole')).toBe(false);
    const role = find(r.objects, 'Role', 'ops-broker-operator');
    expect(role.metadata?.namespace).toBe('brokers');
    const dep = find<V1Deployment>(r.objects, 'Deployment');
    expect(dep.spec?.replicas).toBe(1);
    expect(dep.spec?.template.metadata?.labels?.team).toBe('streaming');
    const c = dep.spec?.template.spec?.containers[0];
    expect(c?.image).toBe('registry.example/broker-operator:0.2.0');
    expect(c?.imagePullPolicy).toBe('Always');
    expect(c?.args).toEqual(
      expect.arrayContaining(['--namespace=brokers', '--lease-duration-ms=30000'])
    );
    expect(r.notes).toMatch(/namespace brokers/);
  });

  test('the schema refuses bad values, naming each', async () => {
    expect(await schemaProblems('broker-operator', { replicas: 0 })).toEqual([
      'values.replicas: must be >= 1, got 0',
    ]);
    expect(await schemaProblems('broker-operator', { image: { pullPolicy: 'Sometimes' } })).toEqual(
      ['values.image.pullPolicy: must be one of "Always", "IfNotPresent", "Never"']
    );
    expect(await schemaProblems('broker-operator', { replicaCount: 2 })).toEqual([
      'values.replicaCount: is not allowed',
    ]);
    expect(
      await schemaProblems('broker-operator', { watchNamespace: 'Not_A_Name', httpPort: 'x' })
    ).toEqual([
      'values.watchNamespace: "Not_A_Name" does not match ^([a-z0-9]([-a-z0-9]*[a-z0-9])?)?$',
      'values.httpPort: must be integer, got string',
    ]);
  });
});

describe('broker-cluster chart', () => {
  test('defaults render one BrokerCluster named after the release', async () => {
    const r = await renderChart('broker-cluster', {}, { name: 'demo', namespace: 'default' });
    expect(r.objects).toHaveLength(1);
    const bc = find<KubernetesObject & { spec: Record<string, unknown> }>(
      r.objects,
      'BrokerCluster',
      'demo'
    );
    expect(bc.spec).toMatchObject({
      replicas: 3,
      replicationFactor: 3,
      storage: { size: '1Gi', reclaimPolicy: 'Retain' },
    });
    expect(bc.spec.stores).toBeUndefined();
  });

  test('a non-default values file: five peers and declared stores', async () => {
    const r = await renderChart('broker-cluster', ciValues('broker-cluster', 'stores-values.yaml'));
    const bc = find<KubernetesObject & { spec: Record<string, unknown> }>(
      r.objects,
      'BrokerCluster',
      'events'
    );
    expect(bc.spec).toMatchObject({
      replicas: 5,
      stores: [
        { name: 'conn', replicationFactor: 3 },
        { name: 'dns', maxKeys: 100000 },
      ],
      pubsub: { overflowPolicy: 'drop-oldest', maxMessageBytes: 65536 },
      storage: { size: '16Mi', reclaimPolicy: 'Delete' },
    });
  });

  test('the schema refuses bad values', async () => {
    expect(await schemaProblems('broker-cluster', { storage: { size: 'lots' } })).toEqual([
      'values.storage.size: "lots" does not match ^[0-9]+(Ki|Mi|Gi|Ti)$',
    ]);
    expect(
      await schemaProblems('broker-cluster', { stores: [{ name: 'ok' }, { nam: 'typo' }] })
    ).toEqual(['values.stores[1].name: is required', 'values.stores[1].nam: is not allowed']);
  });
});

describe('installed on a real API server', () => {
  const fixture = useCluster();
  let operator: OperatorProcess | undefined;
  afterAll(async () => {
    await operator?.stop();
  }, 30_000);

  /** Applies the manifests of `r` whose object passes `which`, as rendered. */
  async function apply(
    r: Rendered,
    which: (o: KubernetesObject) => boolean = () => true
  ): Promise<void> {
    const file = path.join(fixture.cluster.dir, `apply-${Date.now()}.yaml`);
    fs.writeFileSync(
      file,
      r.texts.filter((_, i) => which(r.objects[i] as KubernetesObject)).join('\n---\n')
    );
    await kubectl(fixture.cluster, 'apply', '--server-side', '-f', file);
  }

  fixture.test(
    'the rendered operator chart applies, and its operator (with its own RBAC) reconciles a cluster from the cluster chart',
    async () => {
      await kubectl(fixture.cluster, 'create', 'namespace', 'ops');
      // The operator's own pods cannot reach this API server (it listens on the host's
      // loopback), so they are kept unscheduled; the operator runs on the host instead,
      // with the token of the chart's ServiceAccount.
      const r = await renderChart(
        'broker-operator',
        { nodeSelector: { 'brokercluster.dev/no-such-node': 'true' } },
        { name: 'ops', namespace: 'ops' }
      );
      await apply(r, (o) => o.kind === 'CustomResourceDefinition');
      await kubectl(
        fixture.cluster,
        'wait',
        '--for=condition=Established',
        '--timeout=60s',
        'crd/brokerclusters.brokercluster.dev'
      );
      await apply(
        r,
        (o) =>
          o.kind !== 'CustomResourceDefinition' &&
          o.metadata?.annotations?.['helm.sh/hook'] === undefined
      );
      await kubectl(fixture.cluster, 'get', 'deployment/ops-broker-operator', '-n', 'ops');

      const core = fixture.cluster.kubeConfig.makeApiClient(CoreV1Api);
      const token = await waitFor(
        'the ServiceAccount token of ops-broker-operator',
        async () => {
          const sa = await core.readNamespacedServiceAccount({
            name: 'ops-broker-operator',
            namespace: 'ops',
          });
          const secret = sa.secrets?.[0]?.name;
          if (secret === undefined) return undefined;
          const s = await core.readNamespacedSecret({ name: secret, namespace: 'ops' });
          const t = s.data?.token;
          return t === undefined ? undefined : Buffer.from(t, 'base64').toString();
        },
        { timeoutMs: 30_000, intervalMs: 250 }
      );
      const admin = fixture.cluster.kubeConfig.getCurrentCluster();
      if (admin === null) throw new Error('no cluster in the kubeconfig');
      const kc = new KubeConfig();
      kc.loadFromOptions({
        clusters: [admin],
        users: [{ name: 'operator', token }],
        contexts: [{ name: 'operator', cluster: admin.name, user: 'operator' }],
        currentContext: 'operator',
      });
      const kubeconfig = path.join(fixture.cluster.dir, 'operator-sa.kubeconfig');
      fs.writeFileSync(kubeconfig, kc.exportConfig());
      operator = await startOperator(
        fixture.cluster,
        'chart-op',
        ['--lease-namespace', 'ops', '--lease-name', 'ops-broker-operator'],
        kubeconfig
      );

      const cluster = await renderChart(
        'broker-cluster',
        { replicas: 3, storage: { size: '16Mi', reclaimPolicy: 'Delete' } },
        { name: 'demo', namespace: 'default' }
      );
      await apply(cluster);
      await waitCondition(fixture.cluster.kubeConfig, 'demo', 'Available', 'True', 120_000);
      expect(operator.output()).not.toMatch(/forbidden/i);
      await kubectl(fixture.cluster, 'delete', 'bc/demo', '--wait=true', '--timeout=90s');
    },
    240_000
  );
});
