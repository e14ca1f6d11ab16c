/** The operator's client of the peers' BrokerAdmin API. */
export {
  AdminClient,
  isUnimplemented,
  OPERATOR_PEER_ID,
  type AdminApi,
  type AdminTls,
  type AdminClientOptions,
  type ClusterMap,
  type DrainStatus,
  type GroupStatus,
  type GroupStatusResponse,
  type StoreMap,
  type StoreInfo,
} from './admin-client.js';
export { AdminCallError } from './errors.js';
