// Original file: proto/broker/v1/admin.proto


export interface GroupLoadReport {
  'group'?: (string);
  'store'?: (string);
  'writes_per_sec'?: (number | string);
  'reads_per_sec'?: (number | string);
  'bytes_per_sec'?: (number | string);
  'leader'?: (boolean);
  'voters'?: (string)[];
  'learners'?: (string)[];
  'preferred_leader'?: (string);
}

export interface GroupLoadReport__Output {
  'group': (string);
  'store': (string);
  'writes_per_sec': (number);
  'reads_per_sec': (number);
  'bytes_per_sec': (number);
  'leader': (boolean);
  'voters': (string)[];
  'learners': (string)[];
  'preferred_leader': (string);
}
