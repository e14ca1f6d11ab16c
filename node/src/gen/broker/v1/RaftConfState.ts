// Original file: proto/broker/v1/raft.proto


export interface RaftConfState {
  'voters'?: (string)[];
  'voters_outgoing'?: (string)[];
  'learners'?: (string)[];
  'learners_next'?: (string)[];
  'auto_leave'?: (boolean);
}

export interface RaftConfState__Output {
  'voters': (string)[];
  'voters_outgoing': (string)[];
  'learners': (string)[];
  'learners_next': (string)[];
  'auto_leave': (boolean);
}
