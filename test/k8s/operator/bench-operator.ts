// make bench-operator: how long the operator takes per life-cycle step on the local control
// plane with the test kubelet, with its own share separated from pod start time. Prints
// figures; asserts nothing. Each step's clock: t0 the change, tPods the moment every pod is
// Ready (polled every 25 ms), tAvail the moment the BrokerCluster reports Available again.
// Operator share = total - pod time, where pod time is from the first pod change the step
// needs (creation or restart) to all pods Ready.
import {
  CoreV1Api,
  CustomObjectsApi,
  PatchStrategy,
  setHeaderOptions,
  type V1Pod,
} from '@kubernetes/client-node';
import { startCluster, type Cluster } from '../harness/index.js';
import { brokerCluster, getBc, installCrd, kubectl, startOperator } from './operator-process.js';

const NS = 'default';
const POLL_MS = 25;
const STEP_TIMEOUT_MS = 180_000;

function ready(p: V1Pod): boolean {
  return (
    p.metadata?.deletionTimestamp === undefined &&
    (p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false)
  );
}

interface Step {
  readonly name: string;
  readonly totalMs: number;
  readonly podMs: number;
}

async function measure(
  cluster: Cluster,
  name: string,
  replicas: number,
  change: () => Promise<void>,
  podsChanged: (pods: V1Pod[]) => boolean
): Promise<Step> {
  const core = cluster.kubeConfig.makeApiClient(CoreV1Api);
  const t0 = performance.now();
  await change();
  let tChange: number | undefined;
  let tPods: number | undefined;
  const deadline = Date.now() + STEP_TIMEOUT_MS;
  for (;;) {
    if (Date.now() > deadline)
      throw new Error(`${name}: not Available within ${STEP_TIMEOUT_MS} ms`);
    const pods = (
      await core.listNamespacedPod({
        namespace: NS,
        labelSelector: 'app.kubernetes.io/instance=bench',
      })
    ).items;
    const now = performance.now();
    if (tChange === undefined && podsChanged(pods)) tChange = now;
    if (
      tChange !== undefined &&
      tPods === undefined &&
      pods.length === replicas &&
      pods.every(ready)
    )
      tPods = now;
    if (tPods !== undefined) {
      const bc = await getBc(cluster.kubeConfig, 'bench');
      const avail = bc?.status?.conditions?.find((c) => c.type === 'Available');
      if (
        avail?.status === 'True' &&
        avail.observedGeneration === bc?.metadata.generation &&
        bc.status?.readyReplicas === replicas &&
        (bc.status.operation ?? null) === null
      ) {
        const tAvail = performance.now();
        return { name, totalMs: tAvail - t0, podMs: tPods - (tChange ?? t0) };
      }
    }
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}

async function main(): Promise<void> {
  const cluster = await startCluster();
  const op = { stop: async () => undefined } as { stop(): Promise<void> };
  try {
    await installCrd(cluster);
    const operator = await startOperator(cluster, 'bench-op');
    op.stop = () => operator.stop();
    const custom = cluster.kubeConfig.makeApiClient(CustomObjectsApi);
    const core = cluster.kubeConfig.makeApiClient(CoreV1Api);
    const uids = async (): Promise<Map<string, string>> =>
      new Map(
        (
          await core.listNamespacedPod({
            namespace: NS,
            labelSelector: 'app.kubernetes.io/instance=bench',
          })
        ).items.map((p) => [p.metadata?.name ?? '', p.metadata?.uid ?? ''])
      );
    const replaced = (before: Map<string, string>, pod: string) => (pods: V1Pod[]) =>
      pods.some((p) => p.metadata?.name === pod && p.metadata.uid !== before.get(pod));
    const steps: Step[] = [];
    steps.push(
      await measure(
        cluster,
        'apply -> Available (3 peers)',
        3,
        async () => {
          await custom.createNamespacedCustomObject({
            group: 'brokercluster.dev',
            version: 'v1alpha1',
            namespace: NS,
            plural: 'brokerclusters',
            body: brokerCluster('bench', {
              replicas: 3,
              storage: { size: '16Mi', reclaimPolicy: 'Delete' },
            }),
          });
        },
        (pods) => pods.length > 0
      )
    );
    let before = await uids();
    steps.push(
      await measure(
        cluster,
        'pod loss -> Available',
        3,
        () => kubectl(cluster, 'delete', 'pod', 'bench-1', '--wait=false').then(() => undefined),
        replaced(before, 'bench-1')
      )
    );
    before = await uids();
    steps.push(
      await measure(
        cluster,
        'volume loss -> restored, Available',
        3,
        async () => {
          await kubectl(cluster, 'delete', 'pvc', 'data-bench-2', '--wait=false');
          await kubectl(cluster, 'delete', 'pod', 'bench-2', '--wait=false');
        },
        replaced(before, 'bench-2')
      )
    );
    const scale = async (n: number): Promise<void> => {
      await custom.patchNamespacedCustomObject(
        {
          group: 'brokercluster.dev',
          version: 'v1alpha1',
          namespace: NS,
          plural: 'brokerclusters',
          name: 'bench',
          body: { spec: { replicas: n } },
        },
        setHeaderOptions('Content-Type', PatchStrategy.MergePatch)
      );
    };
    steps.push(
      await measure(
        cluster,
        'scale step 3 -> 4',
        4,
        () => scale(4),
        (pods) => pods.length === 4
      )
    );
    steps.push(
      await measure(
        cluster,
        'scale step 4 -> 3',
        3,
        () => scale(3),
        (pods) => pods.length === 3 || pods.some((p) => p.metadata?.deletionTimestamp !== undefined)
      )
    );
    process.stdout.write(
      '\nbroker-operator life-cycle steps (local control plane, test kubelet, real broker-node peers)\n'
    );
    process.stdout.write(
      `${'step'.padEnd(38)} ${'total ms'.padStart(9)} ${'pods ms'.padStart(9)} ${'operator ms'.padStart(12)}\n`
    );
    for (const s of steps)
      process.stdout.write(
        `${s.name.padEnd(38)} ${s.totalMs.toFixed(0).padStart(9)} ${s.podMs.toFixed(0).padStart(9)} ${(s.totalMs - s.podMs).toFixed(0).padStart(12)}\n`
      );
    process.stdout.write(
      `(operator share = total - pod time; status polled every ${POLL_MS} ms; aim: operator share under 1000 ms per step)\n`
    );
  } finally {
    await op.stop();
    await cluster.stop();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(
    `bench-operator failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`
  );
  process.exit(1);
});
