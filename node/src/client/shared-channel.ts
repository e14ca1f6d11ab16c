import * as grpc from '@grpc/grpc-js';
import type { BrokerAdminClient } from '../gen/broker/v1/BrokerAdmin.js';
import type { BrokerStoreClient } from '../gen/broker/v1/BrokerStore.js';
import { loadProtos } from '../transport/proto.js';

/*
 * Stubs of the store and admin services on the channel of an existing client, so one
 * BrokerClient keeps one connection (and its TLS setup) for every service. With
 * `channelOverride` grpc-js takes the given channel as it is: the address and credentials
 * passed to the constructor are not used.
 */
const UNUSED = grpc.credentials.createInsecure();

/** A BrokerStore stub on `base`'s channel. */
export function storeStubOn(base: grpc.Client): BrokerStoreClient {
  const Ctor = loadProtos().broker.v1.BrokerStore;
  return new Ctor('unused', UNUSED, { channelOverride: base.getChannel() });
}

/** A BrokerAdmin stub on `base`'s channel. */
export function adminStubOn(base: grpc.Client): BrokerAdminClient {
  const Ctor = loadProtos().broker.v1.BrokerAdmin;
  return new Ctor('unused', UNUSED, { channelOverride: base.getChannel() });
}
