// Original file: proto/broker/v1/admin.proto


export interface DeleteStoreRequest {
  'name'?: (string);
}

export interface DeleteStoreRequest__Output {
  'name': (string);
}
