import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { KubeConfig } from '@kubernetes/client-node';
import { TestKubelet, type TestKubeletOptions } from '../kubelet/index.js';
import { findBinaries } from './binaries.js';
import { startControlPlane, type ControlPlane } from './control-plane.js';
import { findMarkedProcesses } from './processes.js';

/** Options of {@link startCluster}. */
export interface ClusterOptions {
  /** Nodes the test kubelet registers (default `['node-1']`); `[]` runs no kubelet. */
  readonly nodeNames?: readonly string[];
  /** Parent of the cluster's temporary directory (default the OS temp dir). */
  readonly baseDir?: string;
  readonly kubelet?: Partial<Pick<TestKubeletOptions, 'images' | 'backoff'>>;
}

/** A running control plane plus (optionally) a test kubelet. */
export interface Cluster {
  /** Random id carried by every process of this cluster (see MARKER_ENV). */
  readonly envId: string;
  /** Temporary directory holding state, kubeconfig and logs. */
  readonly dir: string;
  readonly logDir: string;
  readonly kubeconfigPath: string;
  readonly kubeConfig: KubeConfig;
  readonly controlPlane: ControlPlane;
  /** The test kubelet, or undefined when started with no nodes. */
  readonly kubelet: TestKubelet | undefined;
  /** Pids of processes of this cluster still alive (should be [] after {@link stop}). */
  leftoverProcesses(): number[];
  /**
   * Stops the kubelet (and its pods), then the control plane. Removes the temporary
   * directory unless `keepLogs`; then prints where the logs are.
   */
  stop(options?: { keepLogs?: boolean }): Promise<void>;
}

/**
 * Starts etcd, kube-apiserver, kube-controller-manager, kube-scheduler and a test kubelet
 * in a fresh temporary directory. Fails with BinariesMissingError (saying to run
 * `make k8s-bin`) when the environment is not installed.
 */
export async function startCluster(options: ClusterOptions = {}): Promise<Cluster> {
  findBinaries(); // fail before making a directory when the environment is not installed
  const envId = crypto.randomBytes(6).toString('hex');
  const dir = fs.mkdtempSync(path.join(options.baseDir ?? os.tmpdir(), 'brokercluster-k8s-'));
  let controlPlane: ControlPlane;
  try {
    controlPlane = await startControlPlane({ dir, envId });
  } catch (err) {
    process.stderr.write(`test cluster failed to start; logs kept in ${path.join(dir, 'logs')}\n`);
    throw err;
  }
  const nodeNames = options.nodeNames ?? ['node-1'];
  let kubelet: TestKubelet | undefined;
  if (nodeNames.length > 0) {
    try {
      kubelet = await TestKubelet.start({
        kubeConfig: controlPlane.kubeConfig,
        envId,
        stateDir: path.join(dir, 'kubelet'),
        logDir: controlPlane.logDir,
        nodeNames,
        ...(options.kubelet?.images === undefined ? {} : { images: options.kubelet.images }),
        ...(options.kubelet?.backoff === undefined ? {} : { backoff: options.kubelet.backoff }),
      });
    } catch (err) {
      await controlPlane.stop();
      process.stderr.write(`test kubelet failed to start; logs kept in ${controlPlane.logDir}\n`);
      throw err;
    }
  }
  let stopped: Promise<void> | undefined;
  return {
    envId,
    dir,
    logDir: controlPlane.logDir,
    kubeconfigPath: controlPlane.kubeconfigPath,
    kubeConfig: controlPlane.kubeConfig,
    controlPlane,
    kubelet,
    leftoverProcesses: () => findMarkedProcesses(envId),
    stop(stopOptions = {}) {
      stopped ??= (async () => {
        await kubelet?.stop();
        await controlPlane.stop();
        if (stopOptions.keepLogs === true) {
          process.stderr.write(`test cluster logs kept in ${controlPlane.logDir}\n`);
        } else {
          fs.rmSync(dir, { recursive: true, force: true });
        }
      })();
      return stopped;
    },
  };
}
