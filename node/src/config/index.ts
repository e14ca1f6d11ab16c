/** Command-line and environment configuration of the programs. */
export { ConfigError } from './errors.js';
export { type HostPort, parseHostPort, formatHostPort, isLoopbackHost } from './host-port.js';
export {
  type FlagSpec,
  type FlagKind,
  type FlagValues,
  type ParsedArgs,
  parseFlags,
  formatHelp,
} from './options.js';
export {
  type NodeConfig,
  type StaticPeer,
  type TlsFiles,
  NODE_FLAGS,
  loadNodeConfig,
  parsePeers,
} from './node-config.js';
export { type Logger, type LogLevel, jsonLogger, SILENT_LOGGER } from './logger.js';
export {
  type StoreConfig,
  type PlacementConfig,
  STORE_FLAGS,
  loadStoreConfig,
} from './store-config.js';
