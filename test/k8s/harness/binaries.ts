import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { BinariesMissingError } from './errors.js';

/** The Kubernetes version built by `test/k8s/setup/build-control-plane.sh`. */
export const K8S_VERSION = '1.20.2';

/** Absolute paths of the programs the control plane runs. */
export interface ControlPlaneBinaries {
  readonly etcd: string;
  readonly kubeApiserver: string;
  readonly kubeControllerManager: string;
  readonly kubeScheduler: string;
}

/** Directory holding the built binaries (same rule as the build script). */
export function binaryDir(): string {
  const root =
    process.env['BROKERCLUSTER_CACHE'] ?? path.join(os.homedir(), '.cache', 'brokercluster');
  return path.join(root, `k8s-${K8S_VERSION}`, 'bin');
}

function isExecutable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

function onPath(command: string): string | undefined {
  for (const dir of (process.env['PATH'] ?? '').split(path.delimiter)) {
    if (dir !== '' && isExecutable(path.join(dir, command))) return path.join(dir, command);
  }
  for (const dir of ['/usr/bin', '/usr/sbin', '/sbin', '/bin']) {
    if (isExecutable(path.join(dir, command))) return path.join(dir, command);
  }
  return undefined;
}

/**
 * Finds the control plane binaries, or throws {@link BinariesMissingError} telling the
 * reader to run `make k8s-bin`. Tests call this and fail: a missing environment never
 * silently skips the Kubernetes suites.
 */
export function findBinaries(): ControlPlaneBinaries {
  const dir = binaryDir();
  const missing: string[] = [];
  const built = (name: string): string => {
    const file = path.join(dir, name);
    if (!isExecutable(file)) missing.push(file);
    return file;
  };
  const kubeApiserver = built('kube-apiserver');
  const kubeControllerManager = built('kube-controller-manager');
  const kubeScheduler = built('kube-scheduler');
  const etcd = onPath('etcd');
  if (etcd === undefined) missing.push('etcd (Debian package etcd-server)');
  if (onPath('ip') === undefined) missing.push('ip (Debian package iproute2)');
  if (onPath('openssl') === undefined) missing.push('openssl (Debian package openssl)');
  if (missing.length > 0 || etcd === undefined) {
    throw new BinariesMissingError(
      `the Kubernetes test environment is not installed (missing: ${missing.join(', ')}); ` +
        `run 'make k8s-bin' (as root) to install and build it`
    );
  }
  return { etcd, kubeApiserver, kubeControllerManager, kubeScheduler };
}
