import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import type { ProtoGrpcType as ClientProto } from '../gen/client.js';
import type { ProtoGrpcType as PeerProto } from '../gen/peer.js';
import type { ProtoGrpcType as StoreProto } from '../gen/store.js';
import type { ProtoGrpcType as AdminProto } from '../gen/admin.js';
import {
  decodeDelivery,
  decodePublishRequest,
  encodeDelivery,
  encodePublishRequest,
  peerFrameDeserializer,
  peerFrameSerializer,
} from './run-codec.js';
import { strictDeserializers } from './strict-wire.js';

/** Loader options matching scripts/gen-proto.sh, so the generated types describe the objects. */
const LOADER_OPTIONS: protoLoader.Options = {
  keepCase: true,
  longs: String,
  enums: String,
  defaults: true,
  oneofs: true,
};

/**
 * The `proto/` folder: found by walking up from this module, so it works from the sources
 * (node/src/transport) and from the build (dist/node/src/transport).
 */
export function protoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 8; i++) {
    if (existsSync(join(dir, 'proto', 'broker', 'v1', 'client.proto'))) return join(dir, 'proto');
    dir = dirname(dir);
  }
  throw new Error('proto/broker/v1/client.proto not found above ' + fileURLToPath(import.meta.url));
}

/** Every service of proto/broker/v1. */
export type AllProtos = ClientProto & PeerProto & StoreProto & AdminProto;

let cached: AllProtos | undefined;

/** The client, peer, store and admin services, loaded once per process. */
export function loadProtos(): AllProtos {
  if (cached !== undefined) return cached;
  const root = protoRoot();
  const def = protoLoader.loadSync(
    [
      'broker/v1/client.proto',
      'broker/v1/peer.proto',
      'broker/v1/store.proto',
      'broker/v1/admin.proto',
    ],
    {
      ...LOADER_OPTIONS,
      includeDirs: [root],
    }
  );
  // Strict checks first: the run codec's fallbacks (PeerFrame bodies other than envelopes)
  // then go through them too.
  strictDeserializers(def);
  useRunCodec(def);
  cached = grpc.loadPackageDefinition(def) as unknown as AllProtos;
  return cached;
}

type Method = protoLoader.MethodDefinition<object, object>;

/**
 * Puts the hand-written codec of `run-codec.ts` on the methods that carry events (before the
 * client and server constructors capture the functions). Same bytes on the wire.
 */
function useRunCodec(def: protoLoader.PackageDefinition): void {
  const client = def['broker.v1.BrokerClient'] as unknown as Record<string, Method>;
  const peer = def['broker.v1.BrokerPeer'] as unknown as Record<string, Method>;
  for (const name of ['Publish', 'PublishStream']) {
    const m = client[name] as Method;
    m.requestSerialize = encodePublishRequest as Method['requestSerialize'];
    m.requestDeserialize = decodePublishRequest as Method['requestDeserialize'];
  }
  for (const name of ['Subscribe', 'SubscribeStream']) {
    const m = client[name] as Method;
    m.responseSerialize = encodeDelivery as Method['responseSerialize'];
    m.responseDeserialize = decodeDelivery as Method['responseDeserialize'];
  }
  const link = peer['Link'] as Method;
  link.requestSerialize = peerFrameSerializer(link.requestSerialize) as Method['requestSerialize'];
  link.responseSerialize = peerFrameSerializer(
    link.responseSerialize
  ) as Method['responseSerialize'];
  link.requestDeserialize = peerFrameDeserializer(
    link.requestDeserialize
  ) as Method['requestDeserialize'];
  link.responseDeserialize = peerFrameDeserializer(
    link.responseDeserialize
  ) as Method['responseDeserialize'];
}
