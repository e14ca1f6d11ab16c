// Original file: proto/broker/v1/store.proto

export const StoreEventType = {
  STORE_EVENT_TYPE_UNSPECIFIED: 'STORE_EVENT_TYPE_UNSPECIFIED',
  STORE_EVENT_TYPE_INSERT: 'STORE_EVENT_TYPE_INSERT',
  STORE_EVENT_TYPE_UPDATE: 'STORE_EVENT_TYPE_UPDATE',
  STORE_EVENT_TYPE_ERASE: 'STORE_EVENT_TYPE_ERASE',
  STORE_EVENT_TYPE_EXPIRE: 'STORE_EVENT_TYPE_EXPIRE',
} as const;

export type StoreEventType =
  | 'STORE_EVENT_TYPE_UNSPECIFIED'
  | 0
  | 'STORE_EVENT_TYPE_INSERT'
  | 1
  | 'STORE_EVENT_TYPE_UPDATE'
  | 2
  | 'STORE_EVENT_TYPE_ERASE'
  | 3
  | 'STORE_EVENT_TYPE_EXPIRE'
  | 4

export type StoreEventType__Output = typeof StoreEventType[keyof typeof StoreEventType]
