/** Development helpers: start broker-node processes (local cluster, tests, benchmarks). */
export {
  spawnNode,
  startMesh,
  freePort,
  DEV_CLUSTER_SECRET,
  type NodeProcess,
  type Mesh,
  type SpawnOptions,
} from './node-process.js';
export { repoRoot, brokerNodeEntry, brokerctlEntry } from './repo-root.js';
