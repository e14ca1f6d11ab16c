// Original file: proto/broker/v1/store.proto

import type { PutOp as _broker_v1_PutOp, PutOp__Output as _broker_v1_PutOp__Output } from '../../broker/v1/PutOp.js';
import type { PutUniqueOp as _broker_v1_PutUniqueOp, PutUniqueOp__Output as _broker_v1_PutUniqueOp__Output } from '../../broker/v1/PutUniqueOp.js';
import type { EraseOp as _broker_v1_EraseOp, EraseOp__Output as _broker_v1_EraseOp__Output } from '../../broker/v1/EraseOp.js';
import type { ClearOp as _broker_v1_ClearOp, ClearOp__Output as _broker_v1_ClearOp__Output } from '../../broker/v1/ClearOp.js';
import type { AddOp as _broker_v1_AddOp, AddOp__Output as _broker_v1_AddOp__Output } from '../../broker/v1/AddOp.js';
import type { SubtractOp as _broker_v1_SubtractOp, SubtractOp__Output as _broker_v1_SubtractOp__Output } from '../../broker/v1/SubtractOp.js';
import type { CompareAndSetOp as _broker_v1_CompareAndSetOp, CompareAndSetOp__Output as _broker_v1_CompareAndSetOp__Output } from '../../broker/v1/CompareAndSetOp.js';

export interface StoreOp {
  'put'?: (_broker_v1_PutOp | null);
  'put_unique'?: (_broker_v1_PutUniqueOp | null);
  'erase'?: (_broker_v1_EraseOp | null);
  'clear'?: (_broker_v1_ClearOp | null);
  'add'?: (_broker_v1_AddOp | null);
  'subtract'?: (_broker_v1_SubtractOp | null);
  'compare_and_set'?: (_broker_v1_CompareAndSetOp | null);
  'op'?: "put"|"put_unique"|"erase"|"clear"|"add"|"subtract"|"compare_and_set";
}

export interface StoreOp__Output {
  'put'?: (_broker_v1_PutOp__Output | null);
  'put_unique'?: (_broker_v1_PutUniqueOp__Output | null);
  'erase'?: (_broker_v1_EraseOp__Output | null);
  'clear'?: (_broker_v1_ClearOp__Output | null);
  'add'?: (_broker_v1_AddOp__Output | null);
  'subtract'?: (_broker_v1_SubtractOp__Output | null);
  'compare_and_set'?: (_broker_v1_CompareAndSetOp__Output | null);
  'op'?: "put"|"put_unique"|"erase"|"clear"|"add"|"subtract"|"compare_and_set";
}
