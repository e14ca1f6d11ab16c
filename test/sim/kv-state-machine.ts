import type { KvInput, KvOutput } from '../lincheck/index.js';
import { SimInputError } from './errors.js';

/** What a client proposes: one operation tagged with a request id unique in the run. */
export interface KvCommand {
  readonly id: string;
  readonly op: KvInput;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export function encodeCommand(cmd: KvCommand): Uint8Array {
  return encoder.encode(JSON.stringify(cmd));
}

/** Parses a committed entry's data; throws SimInputError on anything that is not a command. */
export function decodeCommand(data: Uint8Array): KvCommand {
  let parsed: unknown;
  try {
    parsed = JSON.parse(decoder.decode(data));
  } catch (err) {
    throw new SimInputError('entry data is not JSON', { cause: err });
  }
  const c = parsed as Partial<KvCommand> | null;
  const op = c?.op as Partial<KvInput> | undefined;
  if (
    typeof c?.id !== 'string' ||
    typeof op?.key !== 'string' ||
    !['get', 'put', 'append', 'cas'].includes(op.kind ?? '')
  ) {
    throw new SimInputError(`entry data is not a KV command: ${decoder.decode(data).slice(0, 80)}`);
  }
  return c as KvCommand;
}

/**
 * The replicated key/value store of the simulation. Commands are applied in log order;
 * a command whose id was applied before is not applied again (a duplicated forwarded
 * proposal can put one command into the log twice) and answers with its first result.
 */
export class KvStateMachine {
  private readonly data = new Map<string, string>();
  /** Request id -> the result of its first application. */
  private readonly results = new Map<string, KvOutput>();
  /** How many commands were skipped as duplicates. */
  duplicates = 0;

  apply(cmd: KvCommand): KvOutput {
    const earlier = this.results.get(cmd.id);
    if (earlier !== undefined) {
      this.duplicates++;
      return earlier;
    }
    const op = cmd.op;
    const current = this.data.get(op.key) ?? null;
    let out: KvOutput;
    switch (op.kind) {
      case 'get':
        out = { kind: 'get', value: current };
        break;
      case 'put':
        this.data.set(op.key, op.value);
        out = { kind: 'done' };
        break;
      case 'append':
        this.data.set(op.key, (current ?? '') + op.value);
        out = { kind: 'done' };
        break;
      case 'cas': {
        const ok = current === op.expected;
        if (ok) this.data.set(op.key, op.value);
        out = { kind: 'cas', ok };
        break;
      }
    }
    this.results.set(cmd.id, out);
    return out;
  }

  /** The result of the command with this id if it was applied, else undefined. */
  resultOf(id: string): KvOutput | undefined {
    return this.results.get(id);
  }

  read(key: string): string | null {
    return this.data.get(key) ?? null;
  }

  /** A canonical encoding: equal states give equal bytes. */
  snapshot(): Uint8Array {
    const sort = <T>(m: Map<string, T>): [string, T][] =>
      [...m.entries()].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    return encoder.encode(JSON.stringify({ data: sort(this.data), results: sort(this.results) }));
  }

  static restore(bytes: Uint8Array): KvStateMachine {
    const sm = new KvStateMachine();
    if (bytes.length === 0) return sm;
    let parsed: { data: [string, string][]; results: [string, KvOutput][] };
    try {
      parsed = JSON.parse(decoder.decode(bytes)) as typeof parsed;
    } catch (err) {
      throw new SimInputError('snapshot data is not JSON', { cause: err });
    }
    if (!Array.isArray(parsed.data) || !Array.isArray(parsed.results)) {
      throw new SimInputError('snapshot data lacks data/results');
    }
    for (const [k, v] of parsed.data) sm.data.set(k, v);
    for (const [k, v] of parsed.results) sm.results.set(k, v);
    return sm;
  }
}
