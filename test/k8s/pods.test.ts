// Pod behaviour of the test kubelet on the real control plane: probes of each kind, restart
// policies, Secrets, several nodes, and the termination sequence.
import { CoreV1Api, type V1Container, type V1Pod } from '@kubernetes/client-node';
import { waitFor } from './harness/index.js';
import { useCluster } from './harness/jest-support.js';
import { podReady, request } from './fixtures.js';

const NS = 'default';
const fixture = useCluster({ nodeNames: ['node-a', 'node-b'] });
let core: CoreV1Api;

beforeAll(() => {
  core = fixture.cluster.kubeConfig.makeApiClient(CoreV1Api);
});

async function createPod(
  name: string,
  spec: Partial<V1Pod['spec']> & { containers: V1Container[] }
): Promise<void> {
  await core.createNamespacedPod({
    namespace: NS,
    body: {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name },
      spec: { terminationGracePeriodSeconds: 2, ...spec },
    },
  });
}

async function pod(name: string): Promise<V1Pod | undefined> {
  try {
    return await core.readNamespacedPod({ name, namespace: NS });
  } catch {
    return undefined;
  }
}

function until<T>(
  what: string,
  check: () => Promise<T | undefined | false>,
  timeoutMs = 30_000
): Promise<T> {
  return waitFor(what, check, { timeoutMs, intervalMs: 250 });
}

fixture.test(
  'exec readiness probe, Secret env and Secret files',
  async () => {
    await core.createNamespacedSecret({
      namespace: NS,
      body: {
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name: 'creds' },
        stringData: { pw: 's3cret' },
      },
    });
    await createPod('exec-probe', {
      containers: [
        {
          name: 'app',
          image: 'brokercluster-testapp:1',
          env: [
            { name: 'DATA_DIR', value: '/scratch' },
            { name: 'PW', valueFrom: { secretKeyRef: { name: 'creds', key: 'pw' } } },
          ],
          readinessProbe: { exec: { command: ['test', '-f', '/scratch/ok'] }, periodSeconds: 1 },
          volumeMounts: [
            { name: 'scratch', mountPath: '/scratch' },
            { name: 'creds', mountPath: '/etc/creds', readOnly: true },
          ],
        },
      ],
      volumes: [
        { name: 'scratch', emptyDir: {} },
        { name: 'creds', secret: { secretName: 'creds' } },
      ],
    });
    const running = await until('exec-probe Running', async () => {
      const p = await pod('exec-probe');
      return p?.status?.phase === 'Running' &&
        p.status.containerStatuses?.[0]?.state?.running !== undefined
        ? p
        : undefined;
    });
    expect(podReady(running)).toBe(false);
    const ip = running.status?.podIP ?? '';
    // Running means started, not listening yet: wait for the server itself.
    const pw = await until(
      'exec-probe serving',
      async () => (await request(`http://${ip}:8080/env?name=PW`)).body
    );
    expect(pw).toBe('s3cret');
    expect((await request(`http://${ip}:8080/file?path=/etc/creds/pw`)).body).toBe('s3cret');

    const touched = await fixture.cluster.kubelet?.exec(NS, 'exec-probe', ['touch', '/scratch/ok']);
    expect(touched?.code).toBe(0);
    await until('exec-probe Ready after the probe file exists', async () =>
      podReady(await pod('exec-probe'))
    );
  },
  60_000
);

fixture.test(
  'TCP readiness probe on a pod pinned to the second node; isolating it makes it NotReady',
  async () => {
    await createPod('tcp-probe', {
      nodeSelector: { 'kubernetes.io/hostname': 'node-b' },
      containers: [
        {
          name: 'app',
          image: 'brokercluster-testapp:1',
          env: [{ name: 'DATA_DIR', value: '/tmp/tcp-probe-data' }],
          readinessProbe: { tcpSocket: { port: 8080 }, periodSeconds: 1 },
        },
      ],
    });
    const p = await until('tcp-probe Ready', async () => {
      const cur = await pod('tcp-probe');
      return podReady(cur) ? cur : undefined;
    });
    expect(p.spec?.nodeName).toBe('node-b');

    // Cut off the network, its TCP probe fails; plugged back in, it is Ready again.
    await fixture.cluster.kubelet?.isolate(NS, 'tcp-probe');
    await until('isolated tcp-probe NotReady', async () => !podReady(await pod('tcp-probe')));
    await fixture.cluster.kubelet?.reconnect(NS, 'tcp-probe');
    await until('reconnected tcp-probe Ready', async () => podReady(await pod('tcp-probe')));
  },
  60_000
);

fixture.test(
  'restart policies: Never -> Failed with the exit code, OnFailure -> Succeeded, Always -> CrashLoopBackOff',
  async () => {
    const sh = (script: string): V1Container => ({
      name: 'c',
      image: 'brokercluster-testapp:1',
      command: ['sh', '-c', script],
    });
    await createPod('fail-never', { restartPolicy: 'Never', containers: [sh('exit 3')] });
    await createPod('ok-onfailure', { restartPolicy: 'OnFailure', containers: [sh('exit 0')] });
    await createPod('crashloop', { restartPolicy: 'Always', containers: [sh('exit 1')] });

    const failed = await until('fail-never Failed', async () => {
      const p = await pod('fail-never');
      return p?.status?.phase === 'Failed' ? p : undefined;
    });
    expect(failed.status?.containerStatuses?.[0]?.state?.terminated?.exitCode).toBe(3);
    expect(failed.status?.containerStatuses?.[0]?.restartCount).toBe(0);
    await until(
      'ok-onfailure Succeeded',
      async () => (await pod('ok-onfailure'))?.status?.phase === 'Succeeded'
    );

    const looping = await until('crashloop restarted twice and backing off', async () => {
      const p = await pod('crashloop');
      const cs = p?.status?.containerStatuses?.[0];
      return (cs?.restartCount ?? 0) >= 2 && cs?.state?.waiting?.reason === 'CrashLoopBackOff'
        ? p
        : undefined;
    });
    expect(looping.status?.phase).toBe('Running');
    expect(looping.status?.containerStatuses?.[0]?.lastState?.terminated?.exitCode).toBe(1);
  },
  60_000
);

fixture.test(
  'a failing liveness probe restarts the container',
  async () => {
    await createPod('liveness', {
      containers: [
        {
          name: 'app',
          image: 'brokercluster-testapp:1',
          env: [{ name: 'DATA_DIR', value: '/scratch' }],
          livenessProbe: {
            exec: { command: ['test', '-f', '/scratch/never'] },
            periodSeconds: 1,
            failureThreshold: 2,
          },
          volumeMounts: [{ name: 'scratch', mountPath: '/scratch' }],
        },
      ],
      volumes: [{ name: 'scratch', emptyDir: {} }],
    });
    await until('liveness restarted', async () => {
      const cs = (await pod('liveness'))?.status?.containerStatuses?.[0];
      return (cs?.restartCount ?? 0) >= 1 && cs?.lastState?.terminated !== undefined;
    });
  },
  60_000
);

fixture.test(
  'deletion: a process ignoring SIGTERM is killed after the grace period and the pod object removed',
  async () => {
    await createPod('stubborn', {
      terminationGracePeriodSeconds: 1,
      containers: [
        {
          name: 'app',
          image: 'brokercluster-testapp:1',
          command: ['sh', '-c', 'trap "" TERM; while true; do sleep 0.2; done'],
        },
      ],
    });
    const running = await until('stubborn running', async () => {
      const p = await pod('stubborn');
      return p?.status?.containerStatuses?.[0]?.state?.running !== undefined ? p : undefined;
    });
    const pid = Number((running.status?.containerStatuses?.[0]?.containerID ?? '').split('://')[1]);
    expect(pid).toBeGreaterThan(0);
    expect(() => process.kill(pid, 0)).not.toThrow();
    await core.deleteNamespacedPod({ name: 'stubborn', namespace: NS });
    await until('stubborn gone', async () => (await pod('stubborn')) === undefined, 20_000);
    expect(() => process.kill(pid, 0)).toThrow();
  },
  40_000
);
