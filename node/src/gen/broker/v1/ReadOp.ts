// Original file: proto/broker/v1/store.proto

import type { GetOp as _broker_v1_GetOp, GetOp__Output as _broker_v1_GetOp__Output } from '../../broker/v1/GetOp.js';
import type { GetIndexOp as _broker_v1_GetIndexOp, GetIndexOp__Output as _broker_v1_GetIndexOp__Output } from '../../broker/v1/GetIndexOp.js';
import type { ExistsOp as _broker_v1_ExistsOp, ExistsOp__Output as _broker_v1_ExistsOp__Output } from '../../broker/v1/ExistsOp.js';
import type { KeysOp as _broker_v1_KeysOp, KeysOp__Output as _broker_v1_KeysOp__Output } from '../../broker/v1/KeysOp.js';

export interface ReadOp {
  'get'?: (_broker_v1_GetOp | null);
  'get_index'?: (_broker_v1_GetIndexOp | null);
  'exists'?: (_broker_v1_ExistsOp | null);
  'keys'?: (_broker_v1_KeysOp | null);
  'op'?: "get"|"get_index"|"exists"|"keys";
}

export interface ReadOp__Output {
  'get'?: (_broker_v1_GetOp__Output | null);
  'get_index'?: (_broker_v1_GetIndexOp__Output | null);
  'exists'?: (_broker_v1_ExistsOp__Output | null);
  'keys'?: (_broker_v1_KeysOp__Output | null);
  'op'?: "get"|"get_index"|"exists"|"keys";
}
