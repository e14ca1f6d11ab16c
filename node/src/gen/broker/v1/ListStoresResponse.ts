// Original file: proto/broker/v1/store.proto

import type { StoreInfo as _broker_v1_StoreInfo, StoreInfo__Output as _broker_v1_StoreInfo__Output } from '../../broker/v1/StoreInfo.js';

export interface ListStoresResponse {
  'stores'?: (_broker_v1_StoreInfo)[];
}

export interface ListStoresResponse__Output {
  'stores': (_broker_v1_StoreInfo__Output)[];
}
