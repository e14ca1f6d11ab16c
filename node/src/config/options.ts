import { ConfigError } from './errors.js';

/** How a flag's value is parsed. */
export type FlagKind = 'string' | 'int' | 'bool' | 'list';

/** One flag of a program; its environment variable is `env`. */
export interface FlagSpec {
  readonly name: string;
  readonly kind: FlagKind;
  readonly env?: string;
  readonly help: string;
  readonly default?: string;
  /** For `int`: inclusive bounds. */
  readonly min?: number;
  readonly max?: number;
  /** Allowed values for `string`. */
  readonly choices?: readonly string[];
}

/** Parsed flag values by name; absent when neither given nor defaulted. */
export type FlagValues = Map<string, string | number | boolean | string[]>;

/** The result of parsing: values plus positional arguments. */
export interface ParsedArgs {
  readonly values: FlagValues;
  readonly positionals: string[];
  readonly help: boolean;
}

function convert(
  spec: FlagSpec,
  raw: string,
  source: string
): string | number | boolean | string[] {
  switch (spec.kind) {
    case 'string':
      if (spec.choices !== undefined && !spec.choices.includes(raw)) {
        throw new ConfigError(
          `${source}: must be one of ${spec.choices.join(', ')}, got ${JSON.stringify(raw)}`
        );
      }
      return raw;
    case 'int': {
      if (!/^-?\d+$/.test(raw.trim()))
        throw new ConfigError(`${source}: expected an integer, got ${JSON.stringify(raw)}`);
      const n = Number(raw);
      if (!Number.isSafeInteger(n)) throw new ConfigError(`${source}: ${raw} is out of range`);
      if (spec.min !== undefined && n < spec.min)
        throw new ConfigError(`${source}: must be >= ${spec.min}, got ${n}`);
      if (spec.max !== undefined && n > spec.max)
        throw new ConfigError(`${source}: must be <= ${spec.max}, got ${n}`);
      return n;
    }
    case 'bool': {
      const v = raw.toLowerCase();
      if (['1', 'true', 'yes', 'on', ''].includes(v)) return true;
      if (['0', 'false', 'no', 'off'].includes(v)) return false;
      throw new ConfigError(`${source}: expected true or false, got ${JSON.stringify(raw)}`);
    }
    case 'list':
      return raw
        .split(',')
        .map((s) => s.trim())
        .filter((s) => s.length > 0);
  }
}

/**
 * Parses `--name value`, `--name=value` and boolean `--name` flags, then fills the rest from
 * environment variables and defaults (command line beats environment beats default). Unknown
 * flags and bad values throw {@link ConfigError}.
 */
export function parseFlags(
  specs: readonly FlagSpec[],
  argv: readonly string[],
  env: NodeJS.ProcessEnv,
  opts: { allowPositionals: boolean }
): ParsedArgs {
  const byName = new Map(specs.map((s) => [s.name, s]));
  const values: FlagValues = new Map();
  const positionals: string[] = [];
  let help = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (arg === '-h' || arg === '--help') {
      help = true;
      continue;
    }
    if (!arg.startsWith('--') || arg.length === 2) {
      if (arg.startsWith('-') && arg.length > 1 && !/^-\d/.test(arg)) {
        throw new ConfigError(`unknown flag ${arg}`);
      }
      if (!opts.allowPositionals)
        throw new ConfigError(`unexpected argument ${JSON.stringify(arg)}`);
      positionals.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const name = eq >= 0 ? arg.slice(2, eq) : arg.slice(2);
    const spec = byName.get(name);
    if (spec === undefined) throw new ConfigError(`unknown flag --${name}`);
    let raw: string;
    if (eq >= 0) raw = arg.slice(eq + 1);
    else if (spec.kind === 'bool') raw = 'true';
    else {
      const next = argv[i + 1];
      if (next === undefined) throw new ConfigError(`--${name}: missing value`);
      raw = next;
      i++;
    }
    // A repeated flag is a mistake (which one was meant?), not "the last one wins".
    if (values.has(name)) throw new ConfigError(`--${name} given more than once`);
    values.set(name, convert(spec, raw, `--${name}`));
  }
  for (const spec of specs) {
    if (values.has(spec.name)) continue;
    const fromEnv = spec.env !== undefined ? env[spec.env] : undefined;
    if (fromEnv !== undefined && fromEnv !== '') {
      values.set(spec.name, convert(spec, fromEnv, `${spec.env} (--${spec.name})`));
    } else if (spec.default !== undefined) {
      values.set(spec.name, convert(spec, spec.default, `default of --${spec.name}`));
    }
  }
  return { values, positionals, help };
}

/** A help text listing every flag with its environment variable and default. */
export function formatHelp(usage: string, specs: readonly FlagSpec[]): string {
  const lines = [usage, '', 'Flags (each also read from the environment variable shown):'];
  for (const s of specs) {
    const val = s.kind === 'bool' ? '' : ` ${s.kind === 'int' ? 'N' : 'VALUE'}`;
    const def = s.default !== undefined ? ` (default ${s.default})` : '';
    const env = s.env !== undefined ? ` [${s.env}]` : '';
    lines.push(`  --${s.name}${val}${env}`, `      ${s.help}${def}`);
  }
  return lines.join('\n');
}
