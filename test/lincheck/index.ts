export { checkLinearizable } from './checker.js';
export { bruteForceLinearizable } from './brute-force.js';
export { kvModel } from './kv-model.js';
export type { KvInput, KvOutput, KvState } from './kv-model.js';
export { registerModel, versionContractViolations } from './register-model.js';
export type {
  RegisterInput,
  RegisterOutput,
  RegisterState,
  RegisterStates,
} from './register-model.js';
export { InvalidHistoryError } from './errors.js';
export type {
  CheckOptions,
  CheckResult,
  Model,
  Operation,
  PartitionResult,
  Verdict,
} from './types.js';
