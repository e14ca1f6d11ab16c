// Original file: proto/broker/v1/data.proto

import type { DataTableEntry as _broker_v1_DataTableEntry, DataTableEntry__Output as _broker_v1_DataTableEntry__Output } from '../../broker/v1/DataTableEntry.js';

export interface DataTable {
  'entries'?: (_broker_v1_DataTableEntry)[];
}

export interface DataTable__Output {
  'entries': (_broker_v1_DataTableEntry__Output)[];
}
