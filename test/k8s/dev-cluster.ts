// `make dev-cluster`: a local control plane plus the test kubelet, kept up for manual kubectl
// exploration until Ctrl-C (or SIGTERM), then torn down completely.
//
// Usage: node dist/test/k8s/dev-cluster.js [--nodes N] [--keep-logs]
import { startCluster } from './harness/index.js';

function parseArgs(argv: readonly string[]): { nodes: number; keepLogs: boolean } {
  let nodes = 1;
  let keepLogs = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--keep-logs') {
      keepLogs = true;
    } else if (arg === '--nodes') {
      const value = Number(argv[++i]);
      if (!Number.isInteger(value) || value < 1 || value > 10) {
        throw new Error(`--nodes needs an integer 1..10, got "${argv[i] ?? ''}"`);
      }
      nodes = value;
    } else {
      throw new Error(
        `unknown argument "${arg ?? ''}" (usage: dev-cluster [--nodes N] [--keep-logs])`
      );
    }
  }
  return { nodes, keepLogs };
}

async function main(): Promise<void> {
  const { nodes, keepLogs } = parseArgs(process.argv.slice(2));
  const started = Date.now();
  const cluster = await startCluster({
    nodeNames: Array.from({ length: nodes }, (_, i) => `node-${i + 1}`),
  });
  let stopping = false;
  const shutdown = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    process.stdout.write(`\n${signal}: stopping the cluster...\n`);
    cluster
      .stop({ keepLogs })
      .then(() => {
        process.stdout.write('stopped; no process of it is left\n');
        process.exit(0);
      })
      .catch((err: unknown) => {
        process.stderr.write(`stop failed: ${(err as Error).message}\n`);
        process.exit(1);
      });
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  const network = cluster.kubelet?.network;
  process.stdout.write(
    [
      `Kubernetes 1.20.2 test cluster up in ${((Date.now() - started) / 1000).toFixed(1)} s`,
      `  API server:  ${cluster.controlPlane.server}`,
      `  nodes:       ${cluster.kubelet?.nodes.nodeNames.join(', ') ?? '(none)'}`,
      `  pod network: ${network === undefined ? '-' : `10.244.${network.index}.0/24 on bridge ${network.bridge}`}`,
      `  logs:        ${cluster.logDir}${keepLogs ? ' (kept after stop)' : ' (removed on stop; --keep-logs keeps them)'}`,
      '',
      `export KUBECONFIG=${cluster.kubeconfigPath}`,
      'kubectl get nodes',
      'kubectl run demo --image=brokercluster-testapp:1 --port=8080',
      'kubectl get pods -o wide          # then: curl http://<pod IP>:8080/whoami',
      '',
      'Press Ctrl-C to stop and clean up.',
      '',
    ].join('\n')
  );
}

main().catch((err: unknown) => {
  process.stderr.write(`dev-cluster: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
