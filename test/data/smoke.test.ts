import { data, dataEquals, decodeData, encodeData } from '../../node/src/data/index.js';

describe('data - binary smoke', () => {
  it('round trips a conn-log vector', () => {
    const v = data.vector([
      data.count(1n),
      data.string('CHhAvVGS1DHFjwGM0001'),
      data.address('10.0.0.1'),
      data.port(443, 'tcp'),
      data.timestamp(1_700_000_000_000_000_000n),
    ]);
    const bytes = encodeData(v);
    expect(bytes[0]).toBe(14);
    expect(dataEquals(decodeData(bytes), v)).toBe(true);
  });
});
