/**
 * Broker's data model: the `Data` union, its total order, builders, and the binary, JSON and
 * protobuf codecs. See docs/data-model.md for the formats and limits.
 */
export { Address } from './address.js';
export { BinaryDecoder, BinaryEncoder, decodeData, encodeData } from './binary-codec.js';
export type { BinaryEncoderOptions } from './binary-codec.js';
export { NONE, data, formatPort, formatSubnet, parsePort, stringBytes } from './builders.js';
export { compareData, dataEquals } from './compare.js';
export {
  DataDecodeError,
  DataEncodeError,
  DataJsonError,
  DataProtoError,
  DataValueError,
} from './errors.js';
export type { DataDecodeReason } from './errors.js';
export { fromJson, fromJsonText, toJson, toJsonText } from './json-codec.js';
export type { BrokerJson, JsonValue } from './json-codec.js';
export { fromProto, toProto } from './proto-codec.js';
export type { ProtoData } from './proto-codec.js';
export { formatTimespan, formatTimestamp, parseTimespan, parseTimestamp } from './time-text.js';
export {
  DEFAULT_DATA_LIMITS,
  MAX_BYTES_CEILING,
  MAX_DEPTH_CEILING,
  resolveLimits,
} from './limits.js';
export type { DataLimits } from './limits.js';
export { DATA_KINDS, DataTag, MAX_COUNT, MAX_INT64, MIN_INT64, PORT_PROTOCOLS } from './types.js';
export type {
  AddressData,
  BooleanData,
  CountData,
  Data,
  DataKind,
  DataOf,
  EnumData,
  IntegerData,
  NoneData,
  PortData,
  PortProtocol,
  RealData,
  SetData,
  StringData,
  SubnetData,
  TableData,
  TableEntry,
  TimespanData,
  TimestampData,
  VectorData,
} from './types.js';
