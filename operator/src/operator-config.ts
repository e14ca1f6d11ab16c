/** broker-operator's command line, validated. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

export interface OperatorConfig {
  /** Namespace to watch; undefined = every namespace. */
  readonly watchNamespace: string | undefined;
  readonly kubeconfig: string | undefined;
  readonly http: { readonly host: string; readonly port: number };
  readonly leaderElection: boolean;
  readonly leaseNamespace: string;
  readonly leaseName: string;
  readonly identity: string;
  readonly leaseDurationMs: number;
  readonly renewDeadlineMs: number;
  readonly retryPeriodMs: number;
  readonly adminDeadlineMs: number;
}

export const USAGE = `usage: broker-operator [flags]
  --namespace NS            watch only this namespace (default: every namespace) [WATCH_NAMESPACE]
  --kubeconfig FILE         kubeconfig (default: in-cluster, then $KUBECONFIG, then ~/.kube/config)
  --http HOST:PORT          /metrics, /healthz, /readyz (default 0.0.0.0:8080)
  --leader-elect BOOL       take part in Lease-based leader election (default true)
  --lease-namespace NS      namespace of the Lease (default: $POD_NAMESPACE or "default")
  --lease-name NAME         (default broker-operator)
  --identity ID             this replica's id in the Lease (default: $POD_NAME or the host name + pid)
  --lease-duration-ms N     (default 15000)
  --renew-deadline-ms N     (default 10000)
  --retry-period-ms N       (default 2000)
  --admin-deadline-ms N     deadline of each BrokerAdmin call (default 5000)`;

function intFlag(v: string, name: string, min: number, max: number): number {
  if (!/^\d+$/.test(v)) throw new ConfigError(`--${name} must be an integer, got "${v}"`);
  const n = Number(v);
  if (n < min || n > max)
    throw new ConfigError(`--${name} must be between ${min} and ${max}, got ${n}`);
  return n;
}

const NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

export function parseOperatorArgs(
  argv: readonly string[],
  env: NodeJS.ProcessEnv,
  hostname: string
): OperatorConfig {
  const known = new Set([
    'namespace',
    'kubeconfig',
    'http',
    'leader-elect',
    'lease-namespace',
    'lease-name',
    'identity',
    'lease-duration-ms',
    'renew-deadline-ms',
    'retry-period-ms',
    'admin-deadline-ms',
  ]);
  const v = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (!arg.startsWith('--')) throw new ConfigError(`unexpected argument "${arg}"`);
    const eq = arg.indexOf('=');
    const name = eq < 0 ? arg.slice(2) : arg.slice(2, eq);
    if (!known.has(name)) throw new ConfigError(`unknown flag --${name}`);
    let value: string | undefined = eq < 0 ? argv[++i] : arg.slice(eq + 1);
    if (value === undefined) throw new ConfigError(`--${name} needs a value`);
    v.set(name, value);
    value = undefined;
  }
  const ns = v.get('namespace') ?? env.WATCH_NAMESPACE;
  const watchNamespace = ns === undefined || ns === '' ? undefined : ns;
  if (watchNamespace !== undefined && !NAME.test(watchNamespace))
    throw new ConfigError(`--namespace "${watchNamespace}" is not a namespace name`);
  const httpRaw = v.get('http') ?? '0.0.0.0:8080';
  const m = /^(.+):(\d+)$/.exec(httpRaw);
  if (m === null) throw new ConfigError(`--http must be HOST:PORT, got "${httpRaw}"`);
  const le = v.get('leader-elect') ?? 'true';
  if (le !== 'true' && le !== 'false')
    throw new ConfigError(`--leader-elect must be true or false, got "${le}"`);
  const leaseNamespace = v.get('lease-namespace') ?? env.POD_NAMESPACE ?? 'default';
  if (!NAME.test(leaseNamespace))
    throw new ConfigError(`--lease-namespace "${leaseNamespace}" is not a namespace name`);
  const leaseName = v.get('lease-name') ?? 'broker-operator';
  if (!NAME.test(leaseName))
    throw new ConfigError(`--lease-name "${leaseName}" is not a valid name`);
  const identity = v.get('identity') ?? env.POD_NAME ?? `${hostname}-${process.pid}`;
  if (identity === '' || identity.length > 253)
    throw new ConfigError('--identity must be 1 to 253 characters');
  const leaseDurationMs = intFlag(
    v.get('lease-duration-ms') ?? '15000',
    'lease-duration-ms',
    1000,
    600_000
  );
  const renewDeadlineMs = intFlag(
    v.get('renew-deadline-ms') ?? '10000',
    'renew-deadline-ms',
    500,
    600_000
  );
  const retryPeriodMs = intFlag(v.get('retry-period-ms') ?? '2000', 'retry-period-ms', 100, 60_000);
  if (renewDeadlineMs >= leaseDurationMs)
    throw new ConfigError('--renew-deadline-ms must be less than --lease-duration-ms');
  if (retryPeriodMs >= renewDeadlineMs)
    throw new ConfigError('--retry-period-ms must be less than --renew-deadline-ms');
  return {
    watchNamespace,
    kubeconfig: v.get('kubeconfig'),
    http: { host: m[1] as string, port: intFlag(m[2] as string, 'http port', 0, 65535) },
    leaderElection: le === 'true',
    leaseNamespace,
    leaseName,
    identity,
    leaseDurationMs,
    renewDeadlineMs,
    retryPeriodMs,
    adminDeadlineMs: intFlag(
      v.get('admin-deadline-ms') ?? '5000',
      'admin-deadline-ms',
      100,
      120_000
    ),
  };
}
