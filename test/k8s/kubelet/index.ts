/** The test kubelet: runs pods of a real control plane as local processes. */
export { TestKubelet, type TestKubeletOptions } from './kubelet.js';
export type { PodWorker } from './pod-worker.js';
export { defaultImageTable, imageName, type ImageEntry, type ImageTable } from './image-table.js';
export { hostsFileFor, nameRecords, CLUSTER_DOMAIN, type NameRecord } from './names.js';
export { containerEnv, expandVars, fieldValue, type EnvSources } from './env.js';
export { PROVISIONER, STORAGE_CLASS } from './provisioner.js';
export { PodNetworkError, PodSetupError, UnknownImageError } from './errors.js';
