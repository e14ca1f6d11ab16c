// End-to-end proof of the Kubernetes test environment: a real API server, controller manager
// and scheduler, with the test kubelet running a StatefulSet of the test program.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import fs from 'node:fs';
import {
  AppsV1Api,
  CoreV1Api,
  PatchStrategy,
  setHeaderOptions,
  type V1Pod,
} from '@kubernetes/client-node';
import { waitFor } from './harness/index.js';
import { useCluster } from './harness/jest-support.js';
import {
  headlessService,
  podReady,
  request,
  testappConfigMap,
  testappStatefulSet,
} from './fixtures.js';

const NS = 'default';
const run = promisify(execFile);

/** Runs kubectl without blocking the event loop (the test kubelet serves `kubectl logs`). */
async function kubectl(...args: string[]): Promise<string> {
  const { stdout } = await run(
    'kubectl',
    ['--kubeconfig', fixture.cluster.kubeconfigPath, ...args],
    { timeout: 30_000 }
  );
  return stdout;
}
const fixture = useCluster();

let core: CoreV1Api;
let apps: AppsV1Api;

beforeAll(() => {
  core = fixture.cluster.kubeConfig.makeApiClient(CoreV1Api);
  apps = fixture.cluster.kubeConfig.makeApiClient(AppsV1Api);
});

async function pod(name: string): Promise<V1Pod | undefined> {
  try {
    return await core.readNamespacedPod({ name, namespace: NS });
  } catch {
    return undefined;
  }
}

async function readyReplicas(): Promise<number> {
  const sts = await apps.readNamespacedStatefulSet({ name: 'web', namespace: NS });
  return sts.status?.readyReplicas ?? 0;
}

async function waitReplicas(n: number, timeoutMs = 60_000): Promise<void> {
  await waitFor(
    `StatefulSet web with ${n} ready replicas`,
    async () => {
      const pods = await core.listNamespacedPod({ namespace: NS, labelSelector: 'app=web' });
      const ready = pods.items.filter(
        (p) => podReady(p) && p.metadata?.deletionTimestamp === undefined
      );
      return ready.length === n && pods.items.length === n && (await readyReplicas()) === n;
    },
    { timeoutMs, intervalMs: 250 }
  );
}

async function podUrl(name: string, pathAndQuery: string): Promise<string> {
  const ip = (await pod(name))?.status?.podIP;
  if (ip === undefined) throw new Error(`pod ${name} has no IP`);
  return `http://${ip}:8080${pathAndQuery}`;
}

async function get(name: string, pathAndQuery: string): Promise<{ status: number; body: string }> {
  return request(await podUrl(name, pathAndQuery));
}

/**
 * Asks pod `from` to fetch /whoami from `name` and returns the answer. Names follow the
 * Endpoints, which the endpoints controller updates after a pod turns Ready, so a fresh pod's
 * name may take a moment to resolve (as in a real cluster); only that case is retried.
 */
async function whoamiVia(from: string, name: string): Promise<Record<string, unknown>> {
  const path = `/peer?name=${encodeURIComponent(name)}&path=/whoami`;
  let last = { status: 0, body: '' };
  await waitFor(
    `${from} resolves ${name}`,
    async () => {
      last = await get(from, path);
      return !(last.status === 502 && last.body.startsWith('getaddrinfo'));
    },
    { timeoutMs: 20_000, intervalMs: 250 }
  );
  expect({ from, name, status: last.status }).toEqual({ from, name, status: 200 });
  return JSON.parse(last.body) as Record<string, unknown>;
}

fixture.test(
  'kubectl and @kubernetes/client-node both work against the control plane',
  async () => {
    const out = await kubectl('get', 'namespaces', '-o', 'name');
    expect(out).toContain('namespace/default');
    const version = await kubectl('version', '-o', 'json');
    expect(JSON.parse(version).serverVersion.gitVersion).toMatch(/^v1\.20\.2/);
    const nodes = await core.listNode();
    const node = nodes.items.find((n) => n.metadata?.name === 'node-1');
    expect(node?.status?.conditions?.find((c) => c.type === 'Ready')?.status).toBe('True');
  }
);

fixture.test(
  'a StatefulSet of 3 test pods becomes Ready with downward-API env, ConfigMap and volumes',
  async () => {
    await core.createNamespacedConfigMap({ namespace: NS, body: testappConfigMap('web-config') });
    await core.createNamespacedService({ namespace: NS, body: headlessService('web') });
    await apps.createNamespacedStatefulSet({
      namespace: NS,
      body: testappStatefulSet('web', 'web', 'web-config', 3),
    });
    await waitReplicas(3);

    const ips = new Set<string>();
    for (const name of ['web-0', 'web-1', 'web-2']) {
      const p = await pod(name);
      expect(p?.status?.phase).toBe('Running');
      expect(p?.status?.podIP).toMatch(/^10\.244\.\d+\.\d+$/);
      ips.add(p?.status?.podIP ?? '');
      const who = JSON.parse((await get(name, '/whoami')).body) as Record<string, unknown>;
      expect(who).toMatchObject({
        pod: name,
        namespace: NS,
        podIP: p?.status?.podIP,
        node: 'node-1',
        hostname: name,
      });
      expect((await get(name, '/env?name=GREETING')).body).toBe('hello from a configmap');
      expect((await get(name, '/file?path=/etc/testapp/greeting')).body).toBe(
        'hello from a configmap'
      );
      const claim = await core.readNamespacedPersistentVolumeClaim({
        name: `data-${name}`,
        namespace: NS,
      });
      expect(claim.status?.phase).toBe('Bound');
    }
    expect(ips.size).toBe(3);
    // `kubectl logs` goes through the API server to the test kubelet's log endpoint.
    const logs = await kubectl('logs', 'web-0', '--tail=5');
    expect(logs).toContain('testapp listening on :8080');
  },
  90_000
);

fixture.test('pods reach each other by headless Service names', async () => {
  for (const from of ['web-0', 'web-1', 'web-2']) {
    for (const to of ['web-0', 'web-1', 'web-2']) {
      for (const name of [`${to}.web`, `${to}.web.${NS}.svc.cluster.local`]) {
        expect(await whoamiVia(from, name)).toMatchObject({ pod: to });
      }
    }
  }
  const expected = await Promise.all(
    ['web-0', 'web-1', 'web-2'].map(async (n) => (await pod(n))?.status?.podIP ?? '')
  );
  let all: string[] = [];
  await waitFor(
    'the Service name resolves to all three pods',
    async () => {
      const res = await get('web-0', '/resolve?name=web');
      all = res.status === 200 ? (JSON.parse(res.body) as string[]) : [];
      return all.length === 3;
    },
    { timeoutMs: 20_000, intervalMs: 250 }
  );
  expect(all).toEqual([...expected].sort());

  // The cluster DNS serves the same names to direct DNS queries, plus SRV records.
  const a = await get('web-1', '/dns?type=A&name=web-2.web.default.svc.cluster.local');
  expect(JSON.parse(a.body)).toEqual([expected[2]]);
  const srv = await get('web-1', '/dns?type=SRV&name=_http._tcp.web.default.svc.cluster.local');
  expect(JSON.parse(srv.body)).toEqual(
    ['web-0', 'web-1', 'web-2'].map((n) => ({
      name: `${n}.web.default.svc.cluster.local`,
      port: 8080,
    }))
  );
  const outside = await get('web-1', '/dns?type=A&name=example.com');
  expect(outside).toEqual({ status: 404, body: 'ENOTFOUND' });
});

fixture.test(
  'a deleted pod comes back with the same name and the same volume contents',
  async () => {
    const put = await request(await podUrl('web-1', '/file?path=marker'), {
      method: 'PUT',
      body: 'survives',
    });
    expect(put.status).toBe(200);
    const before = await pod('web-1');
    await core.deleteNamespacedPod({ name: 'web-1', namespace: NS });
    await waitFor(
      'web-1 recreated and Ready',
      async () => {
        const p = await pod('web-1');
        return p?.metadata?.uid !== before?.metadata?.uid && podReady(p);
      },
      { timeoutMs: 60_000, intervalMs: 250 }
    );
    expect((await get('web-1', '/file?path=marker')).body).toBe('survives');
    const who = JSON.parse((await get('web-1', '/whoami')).body) as { boots: number; pod: string };
    expect(who).toMatchObject({ pod: 'web-1', boots: 2 });
    // Its peers find it again under its name (the hosts files follow the Endpoints).
    await waitFor(
      'web-0 reaches the new web-1 by name',
      async () => {
        const res = await get('web-0', '/peer?name=web-1.web&path=/file%3Fpath%3Dmarker');
        return res.status === 200 && res.body === 'survives';
      },
      { timeoutMs: 20_000, intervalMs: 250 }
    );
  },
  90_000
);

fixture.test(
  'a failing readiness probe makes the pod NotReady and removes it from Endpoints',
  async () => {
    const ip = (await pod('web-2'))?.status?.podIP ?? '';
    expect(
      (await request(await podUrl('web-2', '/ready?value=false'), { method: 'POST' })).status
    ).toBe(200);
    await waitFor(
      'web-2 NotReady and out of the Endpoints',
      async () => {
        const ep = await core.readNamespacedEndpoints({ name: 'web', namespace: NS });
        const ready = (ep.subsets ?? []).flatMap((s) => s.addresses ?? []).map((a) => a.ip);
        const notReady = (ep.subsets ?? [])
          .flatMap((s) => s.notReadyAddresses ?? [])
          .map((a) => a.ip);
        return !podReady(await pod('web-2')) && !ready.includes(ip) && notReady.includes(ip);
      },
      { timeoutMs: 20_000, intervalMs: 250 }
    );
    await waitFor(
      'the Service name no longer resolves to web-2',
      async () => {
        const all = JSON.parse((await get('web-0', '/resolve?name=web')).body) as string[];
        return all.length === 2 && !all.includes(ip);
      },
      { timeoutMs: 10_000, intervalMs: 250 }
    );
    expect(
      (await request(await podUrl('web-2', '/ready?value=true'), { method: 'POST' })).status
    ).toBe(200);
    await waitReplicas(3, 20_000);
  },
  60_000
);

fixture.test(
  'scaling up and down works, and claims of removed pods stay until deleted',
  async () => {
    const scale = (replicas: number) =>
      apps.patchNamespacedStatefulSetScale(
        { name: 'web', namespace: NS, body: { spec: { replicas } } },
        setHeaderOptions('Content-Type', PatchStrategy.MergePatch)
      );
    await scale(5);
    await waitReplicas(5);
    expect(await whoamiVia('web-0', 'web-4.web')).toMatchObject({ pod: 'web-4' });

    await scale(2);
    await waitReplicas(2);
    expect(await pod('web-2')).toBeUndefined();
    const claim = await core.readNamespacedPersistentVolumeClaim({
      name: 'data-web-4',
      namespace: NS,
    });
    const pvName = claim.spec?.volumeName ?? '';
    const pv = await core.readPersistentVolume({ name: pvName });
    const dir = pv.spec?.hostPath?.path ?? '';
    expect(fs.existsSync(dir)).toBe(true);

    await core.deleteNamespacedPersistentVolumeClaim({ name: 'data-web-4', namespace: NS });
    await waitFor(
      'the PV of a deleted claim and its directory are gone',
      async () => {
        const pvs = await core.listPersistentVolume();
        return !pvs.items.some((v) => v.metadata?.name === pvName) && !fs.existsSync(dir);
      },
      { timeoutMs: 30_000, intervalMs: 250 }
    );
  },
  120_000
);

fixture.test(
  'test hooks: crash restarts the container, hang makes it NotReady, lost volume is empty',
  async () => {
    const kubelet = fixture.cluster.kubelet;
    if (kubelet === undefined) throw new Error('no kubelet');
    const restarts = async (): Promise<number> =>
      (await pod('web-0'))?.status?.containerStatuses?.[0]?.restartCount ?? 0;
    const before = await restarts();
    kubelet.crash(NS, 'web-0');
    await waitFor(
      'web-0 restarted and Ready',
      async () => (await restarts()) === before + 1 && podReady(await pod('web-0')),
      {
        timeoutMs: 30_000,
        intervalMs: 250,
      }
    );

    kubelet.hang(NS, 'web-1');
    await waitFor('frozen web-1 NotReady', async () => !podReady(await pod('web-1')), {
      timeoutMs: 15_000,
      intervalMs: 250,
    });
    kubelet.resume(NS, 'web-1');
    await waitFor('web-1 Ready again', async () => podReady(await pod('web-1')), {
      timeoutMs: 30_000,
      intervalMs: 250,
    });

    expect((await get('web-1', '/file?path=marker')).body).toBe('survives');
    expect(kubelet.loseVolumes(NS, 'web-1')).toHaveLength(1);
    expect((await get('web-1', '/file?path=marker')).status).toBe(404);

    const exec = await kubelet.exec(NS, 'web-0', ['cat', '/etc/hostname', '/etc/testapp/greeting']);
    expect(exec).toMatchObject({ code: 0 });
    expect(exec.stdout).toContain('hello from a configmap');
  },
  90_000
);

fixture.test(
  'a pod with an unknown image fails with a clear reason',
  async () => {
    await core.createNamespacedPod({
      namespace: NS,
      body: {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: 'bad-image' },
        spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'no-such-image:1' }] },
      },
    });
    const failed = await waitFor(
      'bad-image Failed',
      async () => {
        const p = await pod('bad-image');
        return p?.status?.phase === 'Failed' ? p : undefined;
      },
      { timeoutMs: 20_000, intervalMs: 250 }
    );
    expect(failed.status?.reason).toBe('UnknownImage');
    expect(failed.status?.message).toContain('no-such-image:1');
    expect(failed.status?.containerStatuses?.[0]?.state?.waiting?.reason).toBe('ErrImagePull');
  },
  30_000
);
