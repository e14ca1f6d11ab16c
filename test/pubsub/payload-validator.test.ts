import { describe, expect, it } from '@jest/globals';
import { encodeData, data } from '../../node/src/data/index.js';
import {
  InvalidPayloadError,
  LimitExceededError,
  PayloadValidator,
  type EventRun,
} from '../../node/src/pubsub/index.js';

const ok = Buffer.from(encodeData(data.vector([data.count(1n), data.string('x')])));
const deep = Buffer.from(encodeData(data.vector([data.vector([data.vector([])])])));
const junk = Buffer.from([0xee]);
const big = Buffer.from(encodeData(data.string('y'.repeat(200))));

function run(events: Buffer[]): EventRun {
  return {
    topic: '/t',
    data: Buffer.concat(events),
    sizes: events.map((e) => e.length),
    publishTimeMs: 1,
  };
}

describe('PayloadValidator', () => {
  const v = new PayloadValidator(100, 2);

  it('accepts runs of valid events', () => {
    expect(() => v.validate(run([ok, ok, ok]))).not.toThrow();
  });

  it('reports the first bad event, naming its index and the limit', () => {
    expect(() => v.validate(run([ok, junk, big]))).toThrow(InvalidPayloadError);
    expect(() => v.validate(run([ok, junk, big]))).toThrow(/event 1 on \/t/);
    expect(() => v.validate(run([ok, big, junk]))).toThrow(LimitExceededError);
    expect(() => v.validate(run([ok, big, junk]))).toThrow(/event 1 .*more than 100/);
    expect(() => v.validate(run([ok, ok, deep]))).toThrow(
      expect.objectContaining({ limit: 'max-depth', message: expect.stringMatching(/event 2/) })
    );
  });

  it('accepts strings of any bytes (Broker byte strings) but not enum names that are not UTF-8', () => {
    const bytes = Buffer.from(encodeData(data.string(new Uint8Array([0xff, 0xc0, 0x80]))));
    expect([...bytes]).toEqual([0x05, 3, 0xff, 0xc0, 0x80]);
    expect(() => v.validate(run([ok, bytes]))).not.toThrow();
    const badEnum = Buffer.from([0x0b, 0x02, 0xc3, 0x28]);
    expect(() => v.validate(run([ok, badEnum]))).toThrow(/event 1 on \/t is not valid data: enum/);
  });
});
