// Runs the built broker-operator as a local process against a test cluster (the pods of the
// test kubelet cannot reach the API server on the host's loopback, so the operator runs on
// the host, as `make dev-cluster` users would run it).
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { CustomObjectsApi, type KubeConfig } from '@kubernetes/client-node';
import { repoRoot } from '../kubelet/image-table.js';
import { MARKER_ENV, waitFor } from '../harness/index.js';
import { freeLoopbackPort } from '../harness/ports.js';
import type { Cluster } from '../harness/index.js';

const run = promisify(execFile);

export const OPERATOR_BIN = path.join(repoRoot(), 'dist/operator/src/bin/broker-operator.js');
export const CRD_DIR = path.join(repoRoot(), 'charts/broker-operator/crds');

export interface OperatorProcess {
  readonly identity: string;
  readonly httpPort: number;
  readonly child: ChildProcess;
  /** Everything it printed so far. */
  output(): string;
  /** SIGTERM, waits for the exit (SIGKILL after 15 s). */
  stop(): Promise<void>;
  /** SIGKILL, waits for the exit. */
  kill(): Promise<void>;
  exited(): Promise<number | null>;
}

export async function kubectl(cluster: Cluster, ...args: string[]): Promise<string> {
  const { stdout } = await run('kubectl', ['--kubeconfig', cluster.kubeconfigPath, ...args], {
    timeout: 60_000,
  });
  return stdout;
}

/** kubectl that is expected to fail: returns its stderr. */
export async function kubectlFails(cluster: Cluster, ...args: string[]): Promise<string> {
  try {
    await kubectl(cluster, ...args);
  } catch (err) {
    return String((err as { stderr?: string }).stderr ?? err);
  }
  throw new Error(`kubectl ${args.join(' ')} succeeded, expected a failure`);
}

/** Installs the BrokerCluster CRD and waits until it is Established. */
export async function installCrd(cluster: Cluster): Promise<void> {
  await kubectl(cluster, 'apply', '--server-side', '-f', CRD_DIR);
  await kubectl(
    cluster,
    'wait',
    '--for=condition=Established',
    '--timeout=60s',
    'crd/brokerclusters.brokercluster.dev'
  );
}

export async function startOperator(
  cluster: Cluster,
  identity: string,
  extraArgs: readonly string[] = [],
  kubeconfigPath: string = cluster.kubeconfigPath
): Promise<OperatorProcess> {
  if (!fs.existsSync(OPERATOR_BIN))
    throw new Error(`${OPERATOR_BIN} does not exist: run 'npm run build' first`);
  const httpPort = await freeLoopbackPort();
  const logFile = path.join(cluster.logDir, `operator-${identity}.log`);
  const log = fs.createWriteStream(logFile, { flags: 'a' });
  const child = spawn(
    process.execPath,
    [
      OPERATOR_BIN,
      '--kubeconfig',
      kubeconfigPath,
      '--http',
      `127.0.0.1:${httpPort}`,
      '--identity',
      identity,
      '--lease-namespace',
      'default',
      // Short Lease times keep the handover test quick; the ratios are the defaults'.
      '--lease-duration-ms',
      '6000',
      '--renew-deadline-ms',
      '4000',
      '--retry-period-ms',
      '500',
      ...extraArgs,
    ],
    { env: { ...process.env, [MARKER_ENV]: cluster.envId }, stdio: ['ignore', 'pipe', 'pipe'] }
  );
  let text = '';
  const onData = (d: Buffer): void => {
    text += d.toString();
    if (text.length > 1_000_000) text = text.slice(-500_000);
    log.write(d);
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);
  const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  void exit.then(() => log.end());
  const waitExit = async (ms: number): Promise<boolean> =>
    Promise.race([
      exit.then(() => true),
      new Promise<boolean>((r) => setTimeout(() => r(false), ms)),
    ]);
  await waitFor(
    `operator ${identity} /readyz`,
    async () => {
      if (child.exitCode !== null) throw new Error(`operator exited: ${text}`);
      const res = await fetch(`http://127.0.0.1:${httpPort}/readyz`);
      return res.status === 200;
    },
    { timeoutMs: 30_000, intervalMs: 200 }
  );
  return {
    identity,
    httpPort,
    child,
    output: () => text,
    exited: () => exit,
    async stop() {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      if (!(await waitExit(15_000))) {
        child.kill('SIGKILL');
        await exit;
      }
    },
    async kill() {
      if (child.exitCode !== null) return;
      child.kill('SIGKILL');
      await exit;
    },
  };
}

/** A BrokerCluster object. */
export function brokerCluster(
  name: string,
  spec: Record<string, unknown>
): Record<string, unknown> {
  return {
    apiVersion: 'brokercluster.dev/v1alpha1',
    kind: 'BrokerCluster',
    metadata: { name, namespace: 'default' },
    spec,
  };
}

export interface BcStatus {
  observedGeneration?: number;
  phase?: string;
  replicas?: number;
  readyReplicas?: number;
  ready?: string;
  conditions?: {
    type: string;
    status: string;
    reason: string;
    message: string;
    observedGeneration: number;
  }[];
  members?: { pod: string; state: string; ready: boolean }[];
  stores?: { name: string; replicas: number; leader?: string; healthy: boolean }[];
  storesReady?: string;
  operation?: { type: string; progress: string } | null;
}

export interface Bc {
  metadata: { name: string; generation: number; finalizers?: string[]; uid: string };
  spec: Record<string, unknown>;
  status?: BcStatus;
}

export async function getBc(kc: KubeConfig, name: string): Promise<Bc | undefined> {
  try {
    return (await kc.makeApiClient(CustomObjectsApi).getNamespacedCustomObject({
      group: 'brokercluster.dev',
      version: 'v1alpha1',
      namespace: 'default',
      plural: 'brokerclusters',
      name,
    })) as Bc;
  } catch {
    return undefined;
  }
}

/** Waits until `name` has condition `type` = `status` for its current generation. */
export async function waitCondition(
  kc: KubeConfig,
  name: string,
  type: string,
  status: string,
  timeoutMs = 90_000,
  extra: (bc: Bc) => boolean = () => true
): Promise<Bc> {
  return waitFor(
    `BrokerCluster ${name} ${type}=${status}`,
    async () => {
      const bc = await getBc(kc, name);
      const c = bc?.status?.conditions?.find((x) => x.type === type);
      return bc !== undefined &&
        c?.status === status &&
        c.observedGeneration === bc.metadata.generation &&
        extra(bc)
        ? bc
        : undefined;
    },
    { timeoutMs, intervalMs: 250 }
  );
}
