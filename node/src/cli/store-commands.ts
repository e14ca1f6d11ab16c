/** `brokerctl store ...` and `brokerctl stores`: Broker's store API from the shell. */
import {
  AdminArgumentError,
  AdminError,
  type BrokerClient,
  BrokerClientError,
  StoreArgumentError,
  StoreError,
  type StoreClient,
} from '../client/index.js';
import type { FlagSpec, FlagValues } from '../config/index.js';
import { DATA_KINDS, type Data, type DataKind, fromJsonText } from '../data/index.js';
import { CliError, EXIT } from './exit-codes.js';
import { brokerJson, eventJson, expiresAtText, jsonText, storesTable } from './store-output.js';

/** Exit code of a write whose outcome is unknown (see EXIT.outcomeUnknown). */
export const EXIT_OUTCOME_UNKNOWN = EXIT.outcomeUnknown;

/** What a store or cluster command needs from brokerctl. */
export interface CommandContext {
  readonly stdout: NodeJS.WritableStream;
  readonly stderr: NodeJS.WritableStream;
  /** Aborted on SIGINT/SIGTERM: `store watch` then ends normally. */
  readonly interrupt: AbortSignal;
  readonly json: boolean;
  readonly timeoutMs: number;
  readonly values: FlagValues;
}

/** Flags of the store commands; each names the subcommands it applies to. */
export const STORE_FLAGS: readonly FlagSpec[] = [
  {
    name: 'expiry',
    kind: 'string',
    help: 'store put, put-unique, add, subtract, cas: the key expires this long after the write (10s, 500ms, 1h)',
  },
  {
    name: 'stale',
    kind: 'bool',
    help: 'store get, exists, keys: answer from the replica of the node asked without asking the leader (may be behind)',
  },
  {
    name: 'init-type',
    kind: 'string',
    choices: DATA_KINDS,
    help: 'store add: the kind a missing key starts as (default: the kind of VALUE)',
  },
  { name: 'erase', kind: 'bool', help: 'store cas: erase the key instead of writing a VALUE' },
  {
    name: 'from-index',
    kind: 'string',
    help: 'store watch: first log index to print (default: changes from now on)',
  },
];

/** Which `store` subcommands take each flag (`--count` is brokerctl's, shared with sub). */
const FLAG_SCOPE: Record<string, readonly string[]> = {
  expiry: ['put', 'put-unique', 'add', 'subtract', 'cas'],
  stale: ['get', 'exists', 'keys'],
  'init-type': ['add'],
  erase: ['cas'],
  'from-index': ['watch'],
};

/** Rejects a store flag given to a command that does not take it. */
export function checkStoreFlags(
  command: string,
  sub: string | undefined,
  values: FlagValues
): void {
  for (const [flag, subs] of Object.entries(FLAG_SCOPE)) {
    if (!values.has(flag)) continue;
    if (command !== 'store' || sub === undefined || !subs.includes(sub))
      throw new CliError(
        `--${flag} applies to ${subs.map((s) => `store ${s}`).join(', ')} only`,
        EXIT.usage
      );
  }
}

export const STORE_USAGE = `  store put STORE KEY VALUE [--expiry 10s]    write a value (KEY and VALUE in Broker's JSON form)
  store put-unique STORE KEY VALUE [--expiry T] write only if absent; prints inserted or not
  store get STORE KEY [--stale]               print the value (exit 1 when the key is absent)
  store exists STORE KEY [--stale]            print true or false
  store erase STORE KEY                       erase a key; prints erased or absent
  store keys STORE [--stale]                  print every key, one per line
  store clear STORE                           erase every key
  store add STORE KEY VALUE [--init-type T]   Broker's add: numbers +=, string append, set insert, ...
  store subtract STORE KEY VALUE              Broker's subtract: numbers -=, set/table remove, ...
  store cas STORE KEY VERSION VALUE|--erase   write (or erase) only if the key's version is VERSION (0 = absent)
  store watch STORE [--from-index N] [--count N]  print each change as one JSON line
  stores                                      the cluster's stores`;

/** Maps a store or admin failure to brokerctl's exit codes. */
export function storeCliError(e: unknown): CliError {
  if (e instanceof CliError) return e;
  if (e instanceof StoreArgumentError || e instanceof AdminArgumentError)
    return new CliError(e.message, EXIT.usage, { cause: e });
  if (e instanceof StoreError || e instanceof AdminError) {
    if (e.outcome === 'unknown')
      return new CliError(
        `${e.message} (outcome unknown: the write may or may not have taken effect)`,
        EXIT_OUTCOME_UNKNOWN,
        { cause: e }
      );
    const unreachable = e.status === 'UNAVAILABLE' || e.status === 'DEADLINE_EXCEEDED';
    return new CliError(e.message, unreachable ? EXIT.unavailable : EXIT.failed, { cause: e });
  }
  if (e instanceof BrokerClientError) return new CliError(e.message, EXIT.failed, { cause: e });
  return new CliError((e as Error)?.message ?? String(e), EXIT.failed, { cause: e });
}

/** Parses a KEY or VALUE argument in Broker's JSON form. */
export function parseDataArg(what: string, text: string | undefined): Data {
  if (text === undefined) throw new CliError(`missing ${what}`, EXIT.usage);
  try {
    return fromJsonText(text);
  } catch (e) {
    throw new CliError(`${what}: ${(e as Error).message}`, EXIT.usage, { cause: e });
  }
}

/** Parses a decimal uint64 argument (a version or log index). */
export function parseU64Arg(what: string, text: string | undefined): bigint {
  if (text === undefined) throw new CliError(`missing ${what}`, EXIT.usage);
  if (!/^(0|[1-9]\d{0,19})$/.test(text))
    throw new CliError(
      `${what} must be a decimal integer >= 0, got ${JSON.stringify(text)}`,
      EXIT.usage
    );
  const v = BigInt(text);
  if (v > 0xffff_ffff_ffff_ffffn) throw new CliError(`${what} is larger than 2^64-1`, EXIT.usage);
  return v;
}

function arity(
  sub: string,
  args: readonly string[],
  min: number,
  max: number,
  shape: string
): void {
  if (args.length < min || args.length > max)
    throw new CliError(
      `store ${sub} takes ${shape}, got ${args.length} argument${args.length === 1 ? '' : 's'}`,
      EXIT.usage
    );
}

function openStore(client: BrokerClient, name: string | undefined, timeoutMs: number): StoreClient {
  if (name === undefined) throw new CliError('missing STORE', EXIT.usage);
  try {
    return client.store(name, { timeoutMs });
  } catch (e) {
    throw storeCliError(e);
  }
}

/** `brokerctl stores`. */
export async function runStores(
  client: BrokerClient,
  args: readonly string[],
  ctx: CommandContext
): Promise<number> {
  if (args.length > 0) throw new CliError('stores takes no arguments', EXIT.usage);
  try {
    const list = await client.stores({ timeoutMs: ctx.timeoutMs });
    ctx.stdout.write((ctx.json ? jsonText(list) : storesTable(list)) + '\n');
    return EXIT.ok;
  } catch (e) {
    throw storeCliError(e);
  }
}

/** `brokerctl store SUBCOMMAND ...`; resolves with the exit code. */
export async function runStoreCommand(
  client: BrokerClient,
  args: readonly string[],
  ctx: CommandContext
): Promise<number> {
  const [sub, ...rest] = args;
  if (sub === undefined) throw new CliError(`store needs a subcommand\n${STORE_USAGE}`, EXIT.usage);
  try {
    return await storeSubcommand(client, sub, rest, ctx);
  } catch (e) {
    throw storeCliError(e);
  }
}

async function storeSubcommand(
  client: BrokerClient,
  sub: string,
  args: readonly string[],
  ctx: CommandContext
): Promise<number> {
  const v = ctx.values;
  const out = (text: string): void => void ctx.stdout.write(text + '\n');
  const expiry = v.get('expiry') as string | undefined;
  const writeOpts = expiry !== undefined ? { expiry } : {};
  const readOpts = { stale: v.get('stale') === true };
  switch (sub) {
    case 'put': {
      arity(sub, args, 3, 3, 'STORE KEY VALUE');
      const s = openStore(client, args[0], ctx.timeoutMs);
      const r = await s.put(
        parseDataArg('KEY', args[1]),
        parseDataArg('VALUE', args[2]),
        writeOpts
      );
      out(ctx.json ? jsonText(r) : `ok index ${r.index} version ${r.version}`);
      return EXIT.ok;
    }
    case 'put-unique': {
      arity(sub, args, 3, 3, 'STORE KEY VALUE');
      const s = openStore(client, args[0], ctx.timeoutMs);
      const inserted = await s.putUnique(
        parseDataArg('KEY', args[1]),
        parseDataArg('VALUE', args[2]),
        writeOpts
      );
      out(
        ctx.json ? jsonText({ inserted }) : inserted ? 'inserted' : 'not inserted: the key exists'
      );
      return EXIT.ok;
    }
    case 'get': {
      arity(sub, args, 2, 2, 'STORE KEY');
      const s = openStore(client, args[0], ctx.timeoutMs);
      const e = await s.getEntry(parseDataArg('KEY', args[1]), readOpts);
      if (e === undefined)
        throw new CliError(`store ${s.name}: no such key ${args[1]}`, EXIT.failed);
      out(
        ctx.json
          ? jsonText({
              value: brokerJson(e.value),
              version: e.version,
              expiresAt: expiresAtText(e.expiresAt),
            })
          : jsonText(brokerJson(e.value))
      );
      return EXIT.ok;
    }
    case 'exists': {
      arity(sub, args, 2, 2, 'STORE KEY');
      const s = openStore(client, args[0], ctx.timeoutMs);
      const exists = await s.exists(parseDataArg('KEY', args[1]), readOpts);
      out(ctx.json ? jsonText({ exists }) : String(exists));
      return EXIT.ok;
    }
    case 'erase': {
      arity(sub, args, 2, 2, 'STORE KEY');
      const s = openStore(client, args[0], ctx.timeoutMs);
      const existed = await s.erase(parseDataArg('KEY', args[1]));
      out(ctx.json ? jsonText({ existed }) : existed ? 'erased' : 'absent');
      return EXIT.ok;
    }
    case 'keys': {
      arity(sub, args, 1, 1, 'STORE');
      const s = openStore(client, args[0], ctx.timeoutMs);
      const keys = await s.keys(readOpts);
      if (ctx.json) out(jsonText(keys.map(brokerJson)));
      else for (const k of keys) out(jsonText(brokerJson(k)));
      return EXIT.ok;
    }
    case 'clear': {
      arity(sub, args, 1, 1, 'STORE');
      const s = openStore(client, args[0], ctx.timeoutMs);
      const r = await s.clear();
      out(ctx.json ? jsonText(r) : `cleared index ${r.index}`);
      return EXIT.ok;
    }
    case 'add':
    case 'subtract': {
      arity(sub, args, 3, 3, 'STORE KEY VALUE');
      const s = openStore(client, args[0], ctx.timeoutMs);
      const key = parseDataArg('KEY', args[1]);
      const value = parseDataArg('VALUE', args[2]);
      const initType = v.get('init-type') as DataKind | undefined;
      const r =
        sub === 'add'
          ? await s.add(key, value, {
              ...writeOpts,
              ...(initType !== undefined ? { initType } : {}),
            })
          : await s.subtract(key, value, writeOpts);
      out(ctx.json ? jsonText(r) : `ok index ${r.index} version ${r.version}`);
      return EXIT.ok;
    }
    case 'cas': {
      const erase = v.get('erase') === true;
      if (erase) arity(sub, args, 3, 3, 'STORE KEY VERSION --erase');
      else arity(sub, args, 4, 4, 'STORE KEY VERSION VALUE (or --erase instead of VALUE)');
      const s = openStore(client, args[0], ctx.timeoutMs);
      const key = parseDataArg('KEY', args[1]);
      const version = parseU64Arg('VERSION', args[2]);
      const value = erase ? undefined : parseDataArg('VALUE', args[3]);
      const r = await s.compareAndSet(key, version, value, writeOpts);
      out(
        ctx.json
          ? jsonText(r)
          : r.swapped
            ? `swapped version ${r.version}`
            : `not swapped: the key's version is ${r.version}, not ${version}`
      );
      // Not swapped is a refusal: scripts test the exit code.
      return r.swapped ? EXIT.ok : EXIT.failed;
    }
    case 'watch':
      return watch(client, args, ctx);
    default:
      throw new CliError(
        `unknown store subcommand ${JSON.stringify(sub)}\n${STORE_USAGE}`,
        EXIT.usage
      );
  }
}

async function watch(
  client: BrokerClient,
  args: readonly string[],
  ctx: CommandContext
): Promise<number> {
  arity('watch', args, 1, 1, 'STORE');
  const s = openStore(client, args[0], ctx.timeoutMs);
  const fromText = ctx.values.get('from-index') as string | undefined;
  const fromIndex = fromText === undefined ? 0n : parseU64Arg('--from-index', fromText);
  const count = ctx.values.get('count') as number | undefined;
  if (ctx.interrupt.aborted) return EXIT.ok;
  const w = s.watch({ fromIndex, establishTimeoutMs: ctx.timeoutMs });
  const onInterrupt = (): void => w.close();
  ctx.interrupt.addEventListener('abort', onInterrupt, { once: true });
  let seen = 0;
  try {
    for await (const ev of w) {
      ctx.stdout.write(eventJson(s.name, ev) + '\n');
      if (count !== undefined && ++seen >= count) {
        w.close();
        return EXIT.ok;
      }
    }
  } finally {
    ctx.interrupt.removeEventListener('abort', onInterrupt);
  }
  // The watch ends without an error only when closed: by an interrupt.
  return EXIT.ok;
}
