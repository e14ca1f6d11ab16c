import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { findBinaries, type ControlPlaneBinaries } from './binaries.js';
import { ComponentStartError } from './errors.js';
import { httpStatus } from './http-check.js';
import { freeLoopbackPort } from './ports.js';
import { startProcess, type ManagedProcess } from './processes.js';
import { waitFor } from './wait.js';

/** Options of {@link startControlPlane}. */
export interface ControlPlaneOptions {
  /** Directory for data, certificates, kubeconfig and logs (must exist and be empty). */
  readonly dir: string;
  /** Id written into every started process' environment (see MARKER_ENV). */
  readonly envId: string;
  /** Overall start timeout (default 60 s). */
  readonly startTimeoutMs?: number;
}

/** A running etcd + kube-apiserver + kube-controller-manager + kube-scheduler. */
export interface ControlPlane {
  /** `https://127.0.0.1:<port>` */
  readonly server: string;
  /** Bearer token of the `admin` user (group system:masters). */
  readonly token: string;
  /** Path of a kubeconfig for kubectl and client-node. */
  readonly kubeconfigPath: string;
  /** A client-node KubeConfig loaded from {@link kubeconfigPath}. */
  readonly kubeConfig: KubeConfig;
  /** Directory of the component log files. */
  readonly logDir: string;
  readonly processes: readonly ManagedProcess[];
  /** Stops every component (reverse start order) and waits until each has exited. */
  stop(): Promise<void>;
}

/**
 * Starts the control plane on free loopback ports inside `options.dir`, waits until each
 * component answers its health check, and writes a kubeconfig. On any failure every
 * process already started is stopped before the error is thrown.
 */
export async function startControlPlane(options: ControlPlaneOptions): Promise<ControlPlane> {
  const bins: ControlPlaneBinaries = findBinaries();
  const timeoutMs = options.startTimeoutMs ?? 60_000;
  const dir = options.dir;
  const logDir = path.join(dir, 'logs');
  const certDir = path.join(dir, 'certs');
  fs.mkdirSync(logDir, { recursive: true });
  fs.mkdirSync(certDir, { recursive: true });

  const { privateKey, publicKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
  const saKey = path.join(certDir, 'sa.key');
  const saPub = path.join(certDir, 'sa.pub');
  fs.writeFileSync(saKey, privateKey.export({ type: 'pkcs1', format: 'pem' }), { mode: 0o600 });
  fs.writeFileSync(saPub, publicKey.export({ type: 'spki', format: 'pem' }));
  const token = crypto.randomBytes(24).toString('hex');
  const tokens = path.join(certDir, 'tokens.csv');
  fs.writeFileSync(tokens, `${token},admin,admin,system:masters\n`, { mode: 0o600 });

  const [etcdPort, etcdPeerPort, apiPort, cmPort, schedPort] = await Promise.all(
    Array.from({ length: 5 }, () => freeLoopbackPort())
  );
  const server = `https://127.0.0.1:${apiPort}`;
  const processes: ManagedProcess[] = [];
  const start = (name: string, command: string, args: string[]): ManagedProcess => {
    const p = startProcess(name, command, args, {
      envId: options.envId,
      logFile: path.join(logDir, `${name}.log`),
      cwd: dir,
    });
    processes.push(p);
    return p;
  };
  const stop = async (): Promise<void> => {
    for (const p of [...processes].reverse()) await p.stop(5000);
  };
  const deadline = Date.now() + timeoutMs;
  const ready = async (p: ManagedProcess, url: string, bearerToken?: string): Promise<void> => {
    try {
      await waitFor(
        `${p.name} health at ${url}`,
        async () => {
          if (!p.running) {
            throw new ComponentStartError(`${p.name} exited (${JSON.stringify(p.exit)})`);
          }
          const res = await httpStatus(url, bearerToken === undefined ? {} : { bearerToken });
          return res.status === 200;
        },
        { timeoutMs: Math.max(1000, deadline - Date.now()), intervalMs: 200 }
      );
    } catch (err) {
      throw new ComponentStartError(
        `${p.name} did not become ready (log: ${p.logFile}): ${(err as Error).message}`,
        { cause: err }
      );
    }
  };

  try {
    const etcdUrl = `http://127.0.0.1:${etcdPort}`;
    const etcd = start('etcd', bins.etcd, [
      `--data-dir=${path.join(dir, 'etcd')}`,
      `--listen-client-urls=${etcdUrl}`,
      `--advertise-client-urls=${etcdUrl}`,
      `--listen-peer-urls=http://127.0.0.1:${etcdPeerPort}`,
      `--initial-advertise-peer-urls=http://127.0.0.1:${etcdPeerPort}`,
      `--initial-cluster=default=http://127.0.0.1:${etcdPeerPort}`,
      '--unsafe-no-fsync',
    ]);
    await ready(etcd, `${etcdUrl}/health`);

    const apiserver = start('kube-apiserver', bins.kubeApiserver, [
      `--etcd-servers=${etcdUrl}`,
      '--bind-address=127.0.0.1',
      `--secure-port=${apiPort}`,
      `--cert-dir=${certDir}`,
      `--token-auth-file=${tokens}`,
      '--authorization-mode=RBAC',
      '--service-account-issuer=https://kubernetes.default.svc',
      `--service-account-key-file=${saPub}`,
      `--service-account-signing-key-file=${saKey}`,
      '--service-cluster-ip-range=10.0.0.0/24',
      '--allow-privileged=true',
      '--endpoint-reconciler-type=none',
      '--v=1',
    ]);
    await ready(apiserver, `${server}/readyz`, token);

    const caFile = path.join(certDir, 'apiserver.crt');
    const kubeconfigPath = path.join(dir, 'kubeconfig');
    fs.writeFileSync(kubeconfigPath, kubeconfigYaml(server, caFile, token), { mode: 0o600 });

    const cm = start('kube-controller-manager', bins.kubeControllerManager, [
      `--kubeconfig=${kubeconfigPath}`,
      `--service-account-private-key-file=${saKey}`,
      `--root-ca-file=${caFile}`,
      '--controllers=*,-nodeipam',
      '--leader-elect=false',
      '--bind-address=127.0.0.1',
      '--secure-port=0',
      '--address=127.0.0.1',
      `--port=${cmPort}`,
      '--v=1',
    ]);
    const scheduler = start('kube-scheduler', bins.kubeScheduler, [
      `--kubeconfig=${kubeconfigPath}`,
      '--leader-elect=false',
      '--bind-address=127.0.0.1',
      '--secure-port=0',
      '--address=127.0.0.1',
      `--port=${schedPort}`,
      '--v=1',
    ]);
    await Promise.all([
      ready(cm, `http://127.0.0.1:${cmPort}/healthz`),
      ready(scheduler, `http://127.0.0.1:${schedPort}/healthz`),
    ]);
    // Pods are refused until the service account controller has made `default` accounts.
    await ready(cm, `${server}/api/v1/namespaces/default/serviceaccounts/default`, token);

    const kubeConfig = new KubeConfig();
    kubeConfig.loadFromFile(kubeconfigPath);
    return { server, token, kubeconfigPath, kubeConfig, logDir, processes, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

function kubeconfigYaml(server: string, caFile: string, token: string): string {
  return [
    'apiVersion: v1',
    'kind: Config',
    'clusters:',
    '- name: brokercluster-test',
    '  cluster:',
    `    server: ${server}`,
    `    certificate-authority: ${caFile}`,
    'users:',
    '- name: admin',
    '  user:',
    `    token: ${token}`,
    'contexts:',
    '- name: brokercluster-test',
    '  context:',
    '    cluster: brokercluster-test',
    '    user: admin',
    '    namespace: default',
    'current-context: brokercluster-test',
    '',
  ].join('\n');
}
