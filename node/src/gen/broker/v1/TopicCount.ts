// Original file: proto/broker/v1/client.proto


export interface TopicCount {
  'topic'?: (string);
  'subscribers'?: (number);
}

export interface TopicCount__Output {
  'topic': (string);
  'subscribers': (number);
}
