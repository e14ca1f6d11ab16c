/**
 * Store events on the pub/sub mesh, in Broker's shape (docs/stores.md "Events"): a vector
 * whose first element names the change, then the store name, the key and the values, then
 * the publisher (the peer that accepted the request) as Broker's (endpoint, object) pair.
 */
import { type Data, data } from '../data/index.js';
import type { StoreEvent } from '../store/index.js';

/** Subscribing to this prefix gets the events of every store. */
export const STORE_EVENTS_PREFIX = '<$>/local/data/store-events';

/** The topic of one store's events. */
export function storeEventsTopic(store: string): string {
  return `${STORE_EVENTS_PREFIX}/${store}`;
}

function expiryData(ns: bigint | undefined): Data {
  return ns === undefined ? { kind: 'none' } : data.timespan(ns);
}

/** One event as the Broker value published on the mesh. */
export function storeEventData(store: string, e: StoreEvent): Data {
  const publisher = [data.string(e.publisher), data.count(0n)];
  switch (e.type) {
    case 'insert':
      return data.vector([
        data.string('insert'),
        data.string(store),
        e.key,
        e.value,
        expiryData(e.expiryNs),
        ...publisher,
      ]);
    case 'update':
      return data.vector([
        data.string('update'),
        data.string(store),
        e.key,
        e.oldValue,
        e.value,
        expiryData(e.expiryNs),
        ...publisher,
      ]);
    case 'erase':
      return data.vector([data.string('erase'), data.string(store), e.key, ...publisher]);
    case 'expire':
      return data.vector([data.string('expire'), data.string(store), e.key, ...publisher]);
  }
}
