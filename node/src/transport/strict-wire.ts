/**
 * A strict check of protobuf bytes against the message schema, run before protobufjs decodes
 * them: protobufjs cuts a string that claims more bytes than the message holds down to what
 * is there, and replaces invalid UTF-8 with U+FFFD. A node refuses both (docs/pubsub.md).
 * The messages the run codec decodes by hand check their strings themselves.
 */
import { isUtf8 } from 'node:buffer';
import type * as protoLoader from '@grpc/proto-loader';
import { WireDecodeError } from './run-codec.js';

interface FieldInfo {
  readonly name: string;
  readonly kind: 'string' | 'message' | 'other';
  /** For `message`: the short type name, looked up in the schema map. */
  readonly type: string;
}

/** Field number -> what the field holds, per message short name. */
export type WireSchemas = ReadonlyMap<string, ReadonlyMap<number, FieldInfo>>;

/** Nesting the check follows; deeper messages are skipped (none of ours nests so deep). */
const MAX_NESTING = 32;

interface DescriptorField {
  name: string;
  number: number;
  type: string;
  typeName: string;
}

/** The schemas of every message in a proto-loader package definition. */
export function wireSchemas(def: protoLoader.PackageDefinition): WireSchemas {
  const out = new Map<string, Map<number, FieldInfo>>();
  for (const [full, entry] of Object.entries(def)) {
    const t = (entry as { format?: string; type?: { field?: DescriptorField[] } }).type;
    if ((entry as { format?: string }).format !== 'Protocol Buffer 3 DescriptorProto') continue;
    const fields = new Map<number, FieldInfo>();
    for (const f of t?.field ?? []) {
      const kind =
        f.type === 'TYPE_STRING' ? 'string' : f.type === 'TYPE_MESSAGE' ? 'message' : 'other';
      fields.set(f.number, { name: f.name, kind, type: shortName(f.typeName) });
    }
    out.set(shortName(full), fields);
  }
  return out;
}

function shortName(n: string): string {
  return n.slice(n.lastIndexOf('.') + 1);
}

/** Throws {@link WireDecodeError} naming the field when `bytes` is not a well-formed `type`. */
export function checkWire(schemas: WireSchemas, type: string, bytes: Uint8Array): void {
  walk(schemas, type, bytes, 0, bytes.length, 0);
}

function walk(
  schemas: WireSchemas,
  type: string,
  buf: Uint8Array,
  start: number,
  end: number,
  depth: number
): void {
  const fields = schemas.get(type);
  let pos = start;
  const varint = (what: string): number => {
    let x = 0;
    for (let i = 0; i < 10; i++) {
      if (pos >= end) throw new WireDecodeError(`${type}.${what}: truncated varint`);
      const b = buf[pos++] as number;
      if (i < 7) x += (b & 0x7f) * 2 ** (7 * i);
      if (b < 0x80) return x;
    }
    throw new WireDecodeError(`${type}.${what}: varint longer than 10 bytes`);
  };
  while (pos < end) {
    const tag = varint('tag');
    const number = Math.floor(tag / 8);
    const wire = tag % 8;
    const f = fields?.get(number);
    const what = f?.name ?? `field ${number}`;
    if (number === 0) throw new WireDecodeError(`${type}: field number 0`);
    switch (wire) {
      case 0:
        varint(what);
        break;
      case 1:
      case 5: {
        const n = wire === 1 ? 8 : 4;
        if (end - pos < n) throw new WireDecodeError(`${type}.${what}: truncated fixed${n * 8}`);
        pos += n;
        break;
      }
      case 2: {
        const n = varint(what);
        if (n > end - pos)
          throw new WireDecodeError(
            `${type}.${what}: length ${n} beyond the ${end - pos} bytes left`
          );
        if (f?.kind === 'string' && !isUtf8(buf.subarray(pos, pos + n)))
          throw new WireDecodeError(`${type}.${what}: not valid UTF-8`);
        if (f?.kind === 'message' && depth < MAX_NESTING)
          walk(schemas, f.type, buf, pos, pos + n, depth + 1);
        pos += n;
        break;
      }
      default:
        throw new WireDecodeError(`${type}.${what}: unsupported wire type ${wire}`);
    }
  }
}

type Method = protoLoader.MethodDefinition<object, object>;

function typeName(t: { type: unknown }): string {
  return (t.type as { name?: string }).name ?? '';
}

/** Wraps every method's deserializers in {@link checkWire} (before the run codec's are set). */
export function strictDeserializers(def: protoLoader.PackageDefinition): void {
  const schemas = wireSchemas(def);
  for (const entry of Object.values(def)) {
    if ((entry as { format?: string }).format !== undefined) continue;
    for (const m of Object.values(entry as Record<string, Method>)) {
      if (typeof m?.requestDeserialize !== 'function') continue;
      const req = m.requestDeserialize;
      const res = m.responseDeserialize;
      const reqType = shortName(typeName(m.requestType));
      const resType = shortName(typeName(m.responseType));
      m.requestDeserialize = (b: Buffer) => {
        checkWire(schemas, reqType, b);
        return req(b);
      };
      m.responseDeserialize = (b: Buffer) => {
        checkWire(schemas, resType, b);
        return res(b);
      };
    }
  }
}
