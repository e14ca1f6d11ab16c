/**
 * Raw gRPC access to a peer's BrokerStore and BrokerAdmin services for the store tests:
 * values as Data, results decoded, failures as { code, details, outcome }.
 */
import * as grpc from '@grpc/grpc-js';
import { type Data, decodeData, encodeData } from '../../../node/src/data/index.js';
import type { BrokerAdminClient } from '../../../node/src/gen/broker/v1/BrokerAdmin.js';
import type { BrokerStoreClient } from '../../../node/src/gen/broker/v1/BrokerStore.js';
import type { ReadOp } from '../../../node/src/gen/broker/v1/ReadOp.js';
import type { ReadResponse__Output } from '../../../node/src/gen/broker/v1/ReadResponse.js';
import type { StoreOp } from '../../../node/src/gen/broker/v1/StoreOp.js';
import type { WriteResponse__Output } from '../../../node/src/gen/broker/v1/WriteResponse.js';
import { loadProtos } from '../../../node/src/transport/index.js';

/** A failed call as the tests look at it. */
export interface CallFailure {
  readonly code: grpc.status;
  readonly details: string;
  readonly outcome: string | undefined;
}

export function failureOf(e: unknown): CallFailure {
  const se = e as grpc.ServiceError;
  const o = se.metadata?.get('broker-outcome')[0];
  return { code: se.code, details: se.details, outcome: typeof o === 'string' ? o : undefined };
}

export class StoreRpc {
  readonly store: BrokerStoreClient;
  readonly admin: BrokerAdminClient;

  constructor(readonly address: string) {
    const v1 = loadProtos().broker.v1;
    this.store = new v1.BrokerStore(address, grpc.credentials.createInsecure());
    this.admin = new v1.BrokerAdmin(address, grpc.credentials.createInsecure());
  }

  close(): void {
    this.store.close();
    this.admin.close();
  }

  write(store: string, ops: StoreOp[], timeoutMs = 10_000): Promise<WriteResponse__Output> {
    return new Promise((resolve, reject) =>
      this.store.Write({ store, ops }, { deadline: Date.now() + timeoutMs }, (err, res) =>
        err ? reject(err) : resolve(res!)
      )
    );
  }

  read(
    store: string,
    ops: ReadOp[],
    stale = false,
    timeoutMs = 10_000
  ): Promise<ReadResponse__Output> {
    return new Promise((resolve, reject) =>
      this.store.Read({ store, ops, stale }, { deadline: Date.now() + timeoutMs }, (err, res) =>
        err ? reject(err) : resolve(res!)
      )
    );
  }

  /** get: the value or undefined. */
  async get(store: string, key: Data, stale = false): Promise<Data | undefined> {
    const r = await this.read(store, [{ get: { key: encodeData(key) } }], stale);
    const x = r.results[0]!;
    return x.found ? decodeData(x.value) : undefined;
  }

  admin1<Res>(method: string, req: object, timeoutMs = 10_000): Promise<Res> {
    const c = this.admin as unknown as Record<
      string,
      (r: object, o: grpc.CallOptions, cb: (e: grpc.ServiceError | null, v?: Res) => void) => void
    >;
    return new Promise((resolve, reject) =>
      c[method]!.call(this.admin, req, { deadline: Date.now() + timeoutMs }, (err, res) =>
        err ? reject(err) : resolve(res as Res)
      )
    );
  }
}

/** Builders for wire operations. */
export const op = {
  put: (key: Data, value: Data, expiryNs?: bigint): StoreOp => ({
    put: {
      key: encodeData(key),
      value: encodeData(value),
      ...(expiryNs !== undefined ? { expiry: { after_ns: expiryNs.toString() } } : {}),
    },
  }),
  putUnique: (key: Data, value: Data): StoreOp => ({
    put_unique: { key: encodeData(key), value: encodeData(value) },
  }),
  erase: (key: Data): StoreOp => ({ erase: { key: encodeData(key) } }),
  clear: (): StoreOp => ({ clear: {} }),
  add: (key: Data, value: Data, initType = ''): StoreOp => ({
    add: { key: encodeData(key), value: encodeData(value), init_type: initType },
  }),
  subtract: (key: Data, value: Data): StoreOp => ({
    subtract: { key: encodeData(key), value: encodeData(value) },
  }),
  cas: (key: Data, expected: bigint, value: Data | undefined): StoreOp => ({
    compare_and_set: {
      key: encodeData(key),
      expected_version: expected.toString(),
      ...(value === undefined ? { erase: true } : { value: encodeData(value) }),
    },
  }),
};
