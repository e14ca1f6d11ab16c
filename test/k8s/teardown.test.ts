// The environment's own guarantees: it refuses to run without its binaries (never skips),
// and stopping it leaves no process, network namespace or bridge behind.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CoreV1Api } from '@kubernetes/client-node';
import { BinariesMissingError, startCluster, waitFor } from './harness/index.js';
import { podReady } from './fixtures.js';

test('without the control plane binaries the harness fails and says to run make k8s-bin', async () => {
  const empty = fs.mkdtempSync(path.join(os.tmpdir(), 'bc-no-bins-'));
  const saved = process.env['BROKERCLUSTER_CACHE'];
  process.env['BROKERCLUSTER_CACHE'] = empty;
  try {
    const started = startCluster();
    await expect(started).rejects.toThrow(BinariesMissingError);
    await expect(started).rejects.toThrow(/run 'make k8s-bin'/);
  } finally {
    if (saved === undefined) delete process.env['BROKERCLUSTER_CACHE'];
    else process.env['BROKERCLUSTER_CACHE'] = saved;
    fs.rmSync(empty, { recursive: true, force: true });
  }
});

test('stop() leaves no process, network namespace, bridge or temporary directory behind', async () => {
  const cluster = await startCluster({ nodeNames: ['node-a', 'node-b'] });
  let stopped = false;
  try {
    const core = cluster.kubeConfig.makeApiClient(CoreV1Api);
    for (const name of ['solo-a', 'solo-b']) {
      await core.createNamespacedPod({
        namespace: 'default',
        body: {
          apiVersion: 'v1',
          kind: 'Pod',
          metadata: { name },
          spec: {
            containers: [
              {
                name: 'app',
                image: 'brokercluster-testapp:1',
                env: [{ name: 'DATA_DIR', value: '/scratch' }],
                volumeMounts: [{ name: 'scratch', mountPath: '/scratch' }],
              },
            ],
            volumes: [{ name: 'scratch', emptyDir: {} }],
          },
        },
      });
    }
    await waitFor(
      'both pods Ready',
      async () => {
        const pods = await core.listNamespacedPod({ namespace: 'default' });
        return pods.items.length === 2 && pods.items.every(podReady);
      },
      { timeoutMs: 60_000, intervalMs: 250 }
    );
    const pods = await core.listNamespacedPod({ namespace: 'default' });
    expect(new Set(pods.items.map((p) => p.spec?.nodeName)).size).toBeGreaterThanOrEqual(1);
    // etcd, 3 control plane components and 2 pods at least, all carrying the marker.
    expect(cluster.leftoverProcesses().length).toBeGreaterThanOrEqual(6);
    const netIndex = cluster.kubelet?.network.index ?? -1;
    expect(execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' })).toContain(`bc${netIndex}p`);

    await cluster.stop();
    stopped = true;
    expect(cluster.leftoverProcesses()).toEqual([]);
    expect(execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' })).not.toMatch(
      new RegExp(`\\bbc${netIndex}p\\d+`)
    );
    expect(execFileSync('ip', ['-o', 'link', 'show'], { encoding: 'utf8' })).not.toContain(
      `bcbr${netIndex}`
    );
    expect(fs.existsSync(cluster.dir)).toBe(false);
  } finally {
    if (!stopped) await cluster.stop({ keepLogs: true });
  }
}, 120_000);
