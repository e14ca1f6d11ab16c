/** Harness of the Kubernetes test environment: a real control plane plus the test kubelet. */
export { startCluster, type Cluster, type ClusterOptions } from './cluster.js';
export { startControlPlane, type ControlPlane, type ControlPlaneOptions } from './control-plane.js';
export { binaryDir, findBinaries, K8S_VERSION, type ControlPlaneBinaries } from './binaries.js';
export { findMarkedProcesses, MARKER_ENV } from './processes.js';
export { sleep, waitFor, type WaitOptions } from './wait.js';
export { BinariesMissingError, ComponentStartError, WaitTimeoutError } from './errors.js';
