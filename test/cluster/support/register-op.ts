/**
 * One store operation of a recorded register workload (the Jepsen-style and rebalancing
 * tests): invoked, sent through one peer, and recorded with its outcome class.
 */
import type { BrokerStoreClient } from '../../../node/src/gen/broker/v1/BrokerStore.js';
import type { RegisterInput, RegisterOutput } from '../../lincheck/index.js';
import type { HistoryRecorder } from './store-history.js';
import { compareAndSet, describeError, get, put, writeOutcome } from './store-ops.js';

/** The model's key for a store's key. */
export const modelKey = (store: string, key: string): string => `${store}/${key}`;

/** Runs `input` on `store`/`key` through `client`; the output, or undefined if not ok. */
export async function runRegisterOp(
  rec: HistoryRecorder,
  worker: number,
  peer: string,
  client: BrokerStoreClient,
  store: string,
  key: string,
  input: RegisterInput,
  timeoutMs: number
): Promise<RegisterOutput | undefined> {
  const op = rec.invoke(worker, peer, input);
  if (input.kind === 'read') {
    const r = await get(client, store, key, timeoutMs);
    if (!r.ok) {
      // A read changes nothing: whatever happened to it, it had no effect.
      rec.failed(op, describeError(r.error));
      return undefined;
    }
    const output: RegisterOutput = { kind: 'read', ...r.value };
    rec.ok(op, output);
    return output;
  }
  const r =
    input.kind === 'write'
      ? await put(client, store, key, input.value, timeoutMs)
      : await compareAndSet(client, store, key, input.expectedVersion, input.value, timeoutMs);
  if (!r.ok) {
    if (writeOutcome(r.error) === 'failed') rec.failed(op, describeError(r.error));
    else rec.unknown(op, describeError(r.error));
    return undefined;
  }
  const output: RegisterOutput =
    input.kind === 'write'
      ? { kind: 'write', version: (r.value as { version: string }).version }
      : { kind: 'cas', ...(r.value as { swapped: boolean; version: string }) };
  rec.ok(op, output);
  return output;
}
