/** The broker-node server: gRPC services, HTTP endpoints, life cycle. */
export { BrokerNode, type BoundAddresses } from './broker-node.js';
export { VERSION } from './version.js';
export { ListenError } from './listen-error.js';
export { statusError, toStatusError } from './grpc-errors.js';
