/** Values of every kind with their edge cases, shared by the codec round-trip tests. */
import { data } from '../../node/src/data/index.js';
import type { Data } from '../../node/src/data/index.js';

/** Every kind with edge values, for round trips. */
export const samples: [string, Data][] = [
  ['none', data.none()],
  ['true', data.boolean(true)],
  ['false', data.boolean(false)],
  ['count 0', data.count(0)],
  ['count max', data.count(2n ** 64n - 1n)],
  ['integer min', data.integer(-(2n ** 63n))],
  ['integer max', data.integer(2n ** 63n - 1n)],
  ['real', data.real(3.141592653589793)],
  ['real -0', data.real(-0)],
  ['real NaN', data.real(NaN)],
  ['real -inf', data.real(-Infinity)],
  ['real tiny', data.real(Number.MIN_VALUE)],
  ['string empty', data.string('')],
  ['string unicode', data.string('h\u00e9\u20ac\u{1F600}\u0000\n"')],
  ['string long', data.string('x'.repeat(300))],
  ['string long unicode', data.string('\u00e9'.repeat(100))],
  ['address v4', data.address('192.168.1.255')],
  ['address v6', data.address('2001:db8::ff00:42:8329')],
  ['subnet v4', data.subnet('10.0.0.0/8')],
  ['subnet v4 /0', data.subnet('0.0.0.0/0')],
  ['subnet v6', data.subnet('2001:db8::/32')],
  ['subnet v6 /128', data.subnet('::1/128')],
  ['port tcp', data.port(443, 'tcp')],
  ['port udp max', data.port(65535, 'udp')],
  ['port icmp', data.port(8, 'icmp')],
  ['port unknown', data.port(0, 'unknown')],
  ['timestamp', data.timestamp(1_649_574_000_123_456_789n)],
  ['timestamp negative', data.timestamp(-1)],
  ['timespan', data.timespan(-1_500_000n)],
  ['enum', data.enumValue('Conn::LOG')],
  ['set', data.set([data.count(3), data.string('a'), data.none()])],
  ['set empty', data.set([])],
  [
    'table',
    data.table([
      [data.string('k'), data.vector([data.count(1)])],
      [data.count(1), data.none()],
    ]),
  ],
  ['vector nested', data.vector([data.vector([data.vector([data.set([data.table([])])])])])],
];
