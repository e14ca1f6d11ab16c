import * as grpc from '@grpc/grpc-js';
import { data, decodeData, encodeData } from '../../../node/src/data/index.js';
import type { BrokerAdminClient } from '../../../node/src/gen/broker/v1/BrokerAdmin.js';
import type { BrokerStoreClient } from '../../../node/src/gen/broker/v1/BrokerStore.js';
import type { GroupStatusResponse__Output } from '../../../node/src/gen/broker/v1/GroupStatusResponse.js';
import type { ListStoresResponse__Output } from '../../../node/src/gen/broker/v1/ListStoresResponse.js';
import { loadProtos } from '../../../node/src/transport/index.js';

/**
 * The store test's view of the wire contract (proto/broker/v1/store.proto), on the raw
 * generated gRPC clients: string keys and values as Broker strings in the binary codec, and
 * every failed call sorted into "certainly not applied" or "outcome unknown".
 */

/**
 * Each client gets its own connection (no sharing of grpc-js's global subchannel pool), and
 * reconnects quickly after its peer restarts instead of backing off for up to two minutes.
 */
export const CHANNEL_OPTIONS: grpc.ChannelOptions = {
  'grpc.use_local_subchannel_pool': 1,
  'grpc.initial_reconnect_backoff_ms': 100,
  'grpc.max_reconnect_backoff_ms': 1000,
};

export function storeClient(address: string): BrokerStoreClient {
  return new (loadProtos().broker.v1.BrokerStore)(
    address,
    grpc.credentials.createInsecure(),
    CHANNEL_OPTIONS
  );
}

export function adminClient(address: string): BrokerAdminClient {
  return new (loadProtos().broker.v1.BrokerAdmin)(
    address,
    grpc.credentials.createInsecure(),
    CHANNEL_OPTIONS
  );
}

/** The trailer a failed write carries (store.proto). */
export const OUTCOME_TRAILER = 'broker-outcome';

/** A failed call: its status name and the outcome trailer, for reports. */
export function describeError(e: unknown): string {
  const s = e as Partial<grpc.ServiceError>;
  if (typeof s.code !== 'number') return String(e);
  const trailer = s.metadata?.get(OUTCOME_TRAILER)[0];
  const code = grpc.status[s.code] ?? String(s.code);
  // INTERNAL is a bug somewhere: keep its text in the report.
  const why = s.code === grpc.status.INTERNAL ? ` (${String(s.details).slice(0, 120)})` : '';
  return (trailer === undefined ? code : `${code} ${String(trailer)}`) + why;
}

/**
 * How a failed write ended. Only the server's own `not-applied` trailer makes it certainly
 * without effect; everything else (the `unknown` trailer, a deadline, a broken connection, a
 * status without the trailer) may have taken effect.
 */
export function writeOutcome(e: unknown): 'failed' | 'unknown' {
  const s = e as Partial<grpc.ServiceError>;
  const trailer = s.metadata?.get(OUTCOME_TRAILER)[0];
  return trailer !== undefined && String(trailer) === 'not-applied' ? 'failed' : 'unknown';
}

export type CallResult<T> =
  { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: unknown };

function unary<T>(
  start: (cb: (err: grpc.ServiceError | null, res?: T) => void) => void
): Promise<CallResult<T>> {
  return new Promise((resolve) =>
    start((err, res) => {
      if (err !== null) resolve({ ok: false, error: err });
      else if (res === undefined) resolve({ ok: false, error: new Error('empty response') });
      else resolve({ ok: true, value: res });
    })
  );
}

const enc = (s: string): Buffer => Buffer.from(encodeData(data.string(s)));

/** Decodes a Broker string from the store's bytes; anything else is a protocol error. */
export function decodeString(bytes: Uint8Array): string {
  const d = decodeData(bytes);
  if (d.kind !== 'string' || typeof d.value !== 'string')
    throw new Error(`expected a text string value, got ${d.kind}`);
  return d.value;
}

const deadline = (ms: number): grpc.CallOptions => ({ deadline: Date.now() + ms });

/** `put`: the key's new version. */
export async function put(
  c: BrokerStoreClient,
  store: string,
  key: string,
  value: string,
  timeoutMs: number
): Promise<CallResult<{ version: string }>> {
  const r = await unary<{ results: Array<{ version: string }> }>((cb) =>
    c.Write(
      { store, ops: [{ put: { key: enc(key), value: enc(value) } }] },
      deadline(timeoutMs),
      cb
    )
  );
  if (!r.ok) return r;
  const res = r.value.results[0];
  if (res === undefined) return { ok: false, error: new Error('Write answered without a result') };
  return { ok: true, value: { version: String(res.version) } };
}

/** Compare-and-set on the key's version: whether it swapped, and the version afterwards. */
export async function compareAndSet(
  c: BrokerStoreClient,
  store: string,
  key: string,
  expectedVersion: string,
  value: string,
  timeoutMs: number
): Promise<CallResult<{ swapped: boolean; version: string }>> {
  const r = await unary<{ results: Array<{ swapped: boolean; version: string }> }>((cb) =>
    c.Write(
      {
        store,
        ops: [
          {
            compare_and_set: {
              key: enc(key),
              expected_version: expectedVersion,
              value: enc(value),
            },
          },
        ],
      },
      deadline(timeoutMs),
      cb
    )
  );
  if (!r.ok) return r;
  const res = r.value.results[0];
  if (res === undefined) return { ok: false, error: new Error('Write answered without a result') };
  return { ok: true, value: { swapped: res.swapped, version: String(res.version) } };
}

/** `get`: the value (null when absent) and its version ('0' when absent). */
export async function get(
  c: BrokerStoreClient,
  store: string,
  key: string,
  timeoutMs: number,
  stale = false
): Promise<CallResult<{ value: string | null; version: string }>> {
  const r = await unary<{ results: Array<{ found: boolean; value: Buffer; version: string }> }>(
    (cb) => c.Read({ store, ops: [{ get: { key: enc(key) } }], stale }, deadline(timeoutMs), cb)
  );
  if (!r.ok) return r;
  const res = r.value.results[0];
  if (res === undefined) return { ok: false, error: new Error('Read answered without a result') };
  if (!res.found) return { ok: true, value: { value: null, version: '0' } };
  try {
    return { ok: true, value: { value: decodeString(res.value), version: String(res.version) } };
  } catch (e) {
    return { ok: false, error: e };
  }
}

export function groupStatus(
  c: BrokerAdminClient,
  group: string,
  timeoutMs: number
): Promise<CallResult<GroupStatusResponse__Output>> {
  return unary((cb) => c.GroupStatus({ group }, deadline(timeoutMs), cb));
}

export function forceSnapshot(
  c: BrokerAdminClient,
  group: string,
  timeoutMs: number
): Promise<CallResult<unknown>> {
  return unary((cb) => c.ForceSnapshot({ group }, deadline(timeoutMs), cb));
}

export function listStores(
  c: BrokerStoreClient,
  timeoutMs: number
): Promise<CallResult<ListStoresResponse__Output>> {
  return unary((cb) => c.ListStores({}, deadline(timeoutMs), cb));
}
