/** The BrokerCluster resource: its types, constants and spec validation. */
export * from './types.js';
export { InvalidSpecError } from './errors.js';
export { DEFAULT_IMAGE, normalizeSpec } from './normalize-spec.js';
