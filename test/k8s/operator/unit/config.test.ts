import { ConfigError, parseOperatorArgs } from '../../../../operator/src/operator-config.js';

describe('broker-operator flags', () => {
  test('defaults', () => {
    const c = parseOperatorArgs([], {}, 'host');
    expect(c).toMatchObject({
      watchNamespace: undefined,
      http: { host: '0.0.0.0', port: 8080 },
      leaderElection: true,
      leaseNamespace: 'default',
      leaseName: 'broker-operator',
      leaseDurationMs: 15000,
    });
    expect(c.identity).toMatch(/^host-\d+$/);
  });

  test('environment of a pod', () => {
    const c = parseOperatorArgs(
      [],
      { POD_NAME: 'op-7', POD_NAMESPACE: 'ops', WATCH_NAMESPACE: 'x' },
      'h'
    );
    expect(c).toMatchObject({ identity: 'op-7', leaseNamespace: 'ops', watchNamespace: 'x' });
  });

  test.each([
    [['--nope', '1'], /unknown flag --nope/],
    [['--http', 'nowhere'], /--http must be HOST:PORT/],
    [['--leader-elect', 'maybe'], /--leader-elect must be true or false/],
    [
      ['--lease-duration-ms', '5000', '--renew-deadline-ms', '6000'],
      /--renew-deadline-ms must be less/,
    ],
    [['--retry-period-ms', 'x'], /--retry-period-ms must be an integer/],
    [['--namespace', 'Bad_NS'], /is not a namespace name/],
    [['--identity'], /--identity needs a value/],
    [['stray'], /unexpected argument "stray"/],
  ])('%j is refused: %s', (argv, msg) => {
    expect(() => parseOperatorArgs(argv, {}, 'h')).toThrow(ConfigError);
    expect(() => parseOperatorArgs(argv, {}, 'h')).toThrow(msg);
  });
});
