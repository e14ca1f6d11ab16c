import { MAX_COUNT, MAX_INT64, MIN_INT64, data } from '../../node/src/data/index.js';
import type { Data, DataKind } from '../../node/src/data/index.js';
import { StoreInvariantError, StoreOpError, StoreState } from '../../node/src/store/index.js';
import type { StoreOpErrorCode } from '../../node/src/store/index.js';
import { Harness, LIMITS, c, fmt, i, s, show, write } from './helpers.js';

const ts = (x: bigint | number): Data => data.timestamp(x);
const span = (x: bigint | number): Data => data.timespan(x);
const r = (x: number): Data => data.real(x);
const set = (...xs: Data[]): Data => data.set(xs);
const vec = (...xs: Data[]): Data => data.vector(xs);
const table = (...kv: [Data, Data][]): Data => data.table(kv);

describe('store - put, get, versions', () => {
  it('versions a key by the log index that last wrote it; 0 once absent', () => {
    const h = new Harness();
    expect(h.ok({ op: 'put', key: s('a'), value: c(1) }).results).toEqual([{ version: 1n }]);
    h.ok({ op: 'put', key: s('b'), value: c(2) });
    expect(h.state.get(s('a'))).toEqual({ value: c(1), version: 1n });
    expect(h.ok({ op: 'put', key: s('a'), value: c(3) }).results).toEqual([{ version: 3n }]);
    expect(h.state.get(s('a'))?.version).toBe(3n);
    expect(h.state.get(s('b'))?.version).toBe(2n);
    expect(h.ok({ op: 'erase', key: s('a') }).results).toEqual([{ existed: true, version: 0n }]);
    expect(h.state.get(s('a'))).toBeUndefined();
    expect(h.state.exists(s('a'))).toBe(false);
    expect(h.state.appliedIndex).toBe(4);
  });

  it('keys of any kind are distinct by value: count 1, integer 1 and "1" are three keys', () => {
    const h = new Harness();
    h.ok(
      { op: 'put', key: c(1), value: s('count') },
      { op: 'put', key: i(1), value: s('integer') },
      { op: 'put', key: s('1'), value: s('string') },
      { op: 'put', key: set(c(2), c(1)), value: s('set') }
    );
    expect(h.state.size).toBe(4);
    expect(h.value(i(1))).toBe('"integer"');
    expect(h.value(data.set([c(1), c(2)]))).toBe('"set"');
    expect(fmt(h.state.keys())).toBe('{1, +1, "1", {1, 2}}');
  });

  it('emits insert then update with the old value, and the expiry the write set', () => {
    const h = new Harness();
    const out = h.ok(
      { op: 'put', key: s('k'), value: c(1) },
      { op: 'put', key: s('k'), value: c(2), expiryNs: 5n }
    );
    expect(show(out.events)).toEqual([
      'insert "k"=1 @1 by peer-1',
      'update "k" 1->2 exp=5 @1 by peer-1',
    ]);
  });

  it('put_unique inserts only when absent and reports it', () => {
    const h = new Harness();
    const first = h.ok({ op: 'put_unique', key: s('u'), value: c(1) });
    expect(first.results).toEqual([{ inserted: true, version: 1n }]);
    expect(show(first.events)).toEqual(['insert "u"=1 @1 by peer-1']);
    const second = h.ok({ op: 'put_unique', key: s('u'), value: c(2) });
    expect(second.results).toEqual([{ inserted: false, version: 1n }]);
    expect(second.events).toEqual([]);
    expect(h.value(s('u'))).toBe('1');
  });

  it('erase of a missing key succeeds with existed false and no event (as Broker)', () => {
    const h = new Harness();
    const out = h.ok({ op: 'erase', key: s('nope') });
    expect(out.results).toEqual([{ existed: false, version: 0n }]);
    expect(out.events).toEqual([]);
  });

  it('clear erases every key, one erase event per key in key order', () => {
    const h = new Harness();
    h.ok(
      { op: 'put', key: s('b'), value: c(1) },
      { op: 'put', key: c(7), value: c(1) },
      { op: 'put', key: s('a'), value: c(1) }
    );
    const out = h.ok({ op: 'clear' });
    expect(out.results).toEqual([{ existed: true, version: 0n }]);
    expect(show(out.events)).toEqual([
      'erase 7 @2 by peer-1',
      'erase "a" @2 by peer-1',
      'erase "b" @2 by peer-1',
    ]);
    expect(h.state.size).toBe(0);
    expect(h.state.bytes).toBe(0);
    expect(fmt(h.state.keys())).toBe('{}');
    expect(h.ok({ op: 'clear' }).results).toEqual([{ existed: false, version: 0n }]);
  });

  it('clear inside a batch sees the batch so far and the writes after it', () => {
    const h = new Harness();
    h.ok({ op: 'put', key: s('old'), value: c(1) });
    const out = h.ok(
      { op: 'put', key: s('new'), value: c(2) },
      { op: 'erase', key: s('old') },
      { op: 'put', key: s('a'), value: c(3) },
      { op: 'clear' },
      { op: 'put', key: s('after'), value: c(4) }
    );
    expect(show(out.events)).toEqual([
      'insert "new"=2 @2 by peer-1',
      'erase "old" @2 by peer-1',
      'insert "a"=3 @2 by peer-1',
      'erase "a" @2 by peer-1',
      'erase "new" @2 by peer-1',
      'insert "after"=4 @2 by peer-1',
    ]);
    expect(fmt(h.state.keys())).toBe('{"after"}');
    expect(h.state.size).toBe(1);
  });

  it('keys() is a set in key order and follows inserts and erases', () => {
    const h = new Harness();
    h.ok({ op: 'put', key: s('c'), value: c(1) }, { op: 'put', key: s('a'), value: c(1) });
    expect(fmt(h.state.keys())).toBe('{"a", "c"}');
    h.ok({ op: 'put', key: s('b'), value: c(1) });
    h.ok({ op: 'erase', key: s('c') });
    expect(fmt(h.state.keys())).toBe('{"a", "b"}');
  });

  it('applies the ops of a batch in order, each seeing the ones before', () => {
    const h = new Harness();
    const out = h.ok(
      { op: 'put', key: s('n'), value: c(1) },
      { op: 'add', key: s('n'), value: c(2) },
      { op: 'put_unique', key: s('n'), value: c(0) },
      { op: 'subtract', key: s('n'), value: c(1) }
    );
    expect(out.results).toEqual([
      { version: 1n },
      { version: 1n },
      { inserted: false, version: 1n },
      { version: 1n },
    ]);
    expect(h.value(s('n'))).toBe('2');
    expect(show(out.events)).toEqual([
      'insert "n"=1 @1 by peer-1',
      'update "n" 1->3 @1 by peer-1',
      'update "n" 3->2 @1 by peer-1',
    ]);
  });

  it('copies the publisher of the command into every event', () => {
    const h = new Harness();
    const out = h.apply(write([{ op: 'put', key: s('p'), value: c(1) }], 0n, 'peer-9'));
    expect(out.ok && show(out.events)).toEqual(['insert "p"=1 @1 by peer-9']);
  });

  it('rejects an apply index that does not increase', () => {
    const st = new StoreState(LIMITS);
    st.apply(5, write([{ op: 'put', key: s('a'), value: c(1) }]));
    expect(() => st.apply(5, write([{ op: 'clear' }]))).toThrow(StoreInvariantError);
    expect(() => st.apply(4, write([{ op: 'clear' }]))).toThrow(/above the applied index 5/);
    expect(() => st.apply(6.5, write([{ op: 'clear' }]))).toThrow(StoreInvariantError);
    expect(st.appliedIndex).toBe(5);
  });
});

type AddCase = [
  name: string,
  stored: Data | undefined,
  op: 'add' | 'subtract',
  arg: Data,
  initType: DataKind | undefined,
  expected: string | [StoreOpErrorCode, RegExp],
];

const ADD_CASES: AddCase[] = [
  // numbers
  ['count + count', c(5), 'add', c(3), undefined, '8'],
  ['count - count', c(5), 'subtract', c(3), undefined, '2'],
  ['count to its maximum', c(MAX_COUNT - 1n), 'add', c(1), undefined, `${MAX_COUNT}`],
  ['count overflow', c(MAX_COUNT), 'add', c(1), undefined, ['invalid-argument', /count overflow/]],
  ['count underflow', c(2), 'subtract', c(3), undefined, ['invalid-argument', /count underflow/]],
  ['integer + integer', i(-5), 'add', i(3), undefined, '-2'],
  ['integer - integer', i(5), 'subtract', i(7), undefined, '-2'],
  [
    'integer overflow',
    i(MAX_INT64),
    'add',
    i(1),
    undefined,
    ['invalid-argument', /integer overflow/],
  ],
  [
    'integer underflow',
    i(MIN_INT64),
    'subtract',
    i(1),
    undefined,
    ['invalid-argument', /integer overflow.*int64/],
  ],
  ['real + real', r(1.5), 'add', r(2.25), undefined, '3.75r'],
  ['real - real', r(1.5), 'subtract', r(2), undefined, '-0.5r'],
  [
    'real overflow is infinity (IEEE, as Broker)',
    r(1.7e308),
    'add',
    r(1.7e308),
    undefined,
    'Infinityr',
  ],
  ['timespan + timespan', span(10), 'add', span(5), undefined, '15ns'],
  ['timespan - timespan', span(10), 'subtract', span(15), undefined, '-5ns'],
  ['timestamp + timespan', ts(100), 'add', span(5), undefined, '@105'],
  ['timestamp - timespan', ts(100), 'subtract', span(5), undefined, '@95'],
  [
    'timestamp + timestamp',
    ts(100),
    'add',
    ts(5),
    undefined,
    ['invalid-argument', /cannot add a timestamp to a timestamp \(add a timespan\)/],
  ],
  [
    'timestamp overflow',
    ts(MAX_INT64),
    'add',
    span(1),
    undefined,
    ['invalid-argument', /timestamp overflow/],
  ],
  // mismatches name both kinds
  [
    'count + integer',
    c(1),
    'add',
    i(1),
    undefined,
    ['invalid-argument', /cannot add an integer to a count/],
  ],
  [
    'integer - count',
    i(1),
    'subtract',
    c(1),
    undefined,
    ['invalid-argument', /cannot subtract a count from an integer/],
  ],
  [
    'string + count',
    s('a'),
    'add',
    c(1),
    undefined,
    ['invalid-argument', /cannot add a count to a string/],
  ],
  [
    'boolean + boolean',
    data.boolean(true),
    'add',
    data.boolean(true),
    undefined,
    ['invalid-argument', /cannot add a boolean to a boolean/],
  ],
  [
    'address + count',
    data.address('10.0.0.1'),
    'add',
    c(1),
    undefined,
    ['invalid-argument', /cannot add a count to an address/],
  ],
  // strings
  ['string append', s('ab'), 'add', s('cd'), undefined, '"abcd"'],
  ['string append of nothing', s('ab'), 'add', s(''), undefined, '"ab"'],
  [
    'string subtract',
    s('ab'),
    'subtract',
    s('b'),
    undefined,
    ['invalid-argument', /cannot subtract a string from a string/],
  ],
  // sets
  ['set insert', set(c(1), c(3)), 'add', c(2), undefined, '{1, 2, 3}'],
  ['set insert of a member', set(c(1)), 'add', c(1), undefined, '{1}'],
  ['set insert of another kind', set(c(1)), 'add', s('x'), undefined, '{1, "x"}'],
  ['set remove', set(c(1), c(2)), 'subtract', c(1), undefined, '{2}'],
  ['set remove of a non-member', set(c(1)), 'subtract', c(5), undefined, '{1}'],
  // tables
  ['table insert', table([s('a'), c(1)]), 'add', vec(s('b'), c(2)), undefined, '{"a": 1, "b": 2}'],
  [
    'table insert overwrites',
    table([s('a'), c(1)]),
    'add',
    vec(s('a'), c(9)),
    undefined,
    '{"a": 9}',
  ],
  [
    'table insert of a non-pair',
    table(),
    'add',
    s('a'),
    undefined,
    [
      'invalid-argument',
      /cannot add a string to a table \(a table insert takes a vector \[key, value\]\)/,
    ],
  ],
  [
    'table insert of a 3-vector',
    table(),
    'add',
    vec(c(1), c(2), c(3)),
    undefined,
    ['invalid-argument', /vector of 2 elements \[key, value\], got 3/],
  ],
  [
    'table remove',
    table([s('a'), c(1)], [s('b'), c(2)]),
    'subtract',
    s('a'),
    undefined,
    '{"b": 2}',
  ],
  [
    'table remove of a missing key',
    table([s('a'), c(1)]),
    'subtract',
    s('z'),
    undefined,
    '{"a": 1}',
  ],
  // vectors
  ['vector push', vec(c(1)), 'add', s('x'), undefined, '[1, "x"]'],
  ['vector push of a vector', vec(), 'add', vec(c(1)), undefined, '[[1]]'],
  [
    'vector pop removes the last element whatever the argument',
    vec(c(1), c(2)),
    'subtract',
    s('ignored'),
    undefined,
    '[1]',
  ],
  ['vector pop of an empty vector', vec(), 'subtract', c(0), undefined, '[]'],
  // missing keys
  ['add creates from the argument kind: count', undefined, 'add', c(4), undefined, '4'],
  ['add creates from the argument kind: string', undefined, 'add', s('x'), undefined, '"x"'],
  [
    'add creates from the argument kind: vector becomes a vector holding it',
    undefined,
    'add',
    vec(c(1)),
    undefined,
    '[[1]]',
  ],
  ['add with initType set', undefined, 'add', c(4), 'set', '{4}'],
  ['add with initType table', undefined, 'add', vec(s('k'), c(1)), 'table', '{"k": 1}'],
  ['add with initType vector', undefined, 'add', c(1), 'vector', '[1]'],
  ['add with initType timestamp', undefined, 'add', span(7), 'timestamp', '@7'],
  ['add with initType real', undefined, 'add', r(0.5), 'real', '0.5r'],
  [
    'add with a clashing initType creates nothing',
    undefined,
    'add',
    c(1),
    'boolean',
    ['invalid-argument', /cannot add a count to a boolean/],
  ],
  [
    'add from a timestamp argument (a timestamp cannot be added to)',
    undefined,
    'add',
    ts(1),
    undefined,
    ['invalid-argument', /cannot add a timestamp to a timestamp/],
  ],
  [
    'subtract from a missing key',
    undefined,
    'subtract',
    c(1),
    undefined,
    ['not-found', /does not exist/],
  ],
];

describe('store - add and subtract (Broker semantics)', () => {
  it.each(ADD_CASES)('%s', (_name, stored, op, arg, initType, expected) => {
    const h = new Harness();
    if (stored !== undefined) h.ok({ op: 'put', key: s('k'), value: stored });
    const addOp =
      op === 'add'
        ? initType === undefined
          ? { op, key: s('k'), value: arg }
          : { op, key: s('k'), value: arg, initType }
        : { op, key: s('k'), value: arg };
    if (typeof expected === 'string') {
      const out = h.ok(addOp);
      expect(h.value(s('k'))).toBe(expected);
      expect(out.results).toEqual([{ version: BigInt(h.index) }]);
      expect(out.events).toHaveLength(1);
      expect(out.events[0]?.type).toBe(stored === undefined ? 'insert' : 'update');
      // The size accounting of containers is incremental: it must equal a full encoding.
      const again = StoreState.restore(h.state.snapshot(), LIMITS);
      expect(h.state.bytes).toBe(again.bytes);
    } else {
      const out = h.err(addOp);
      expect(out.error).toBeInstanceOf(StoreOpError);
      expect(out.error.code).toBe(expected[0]);
      expect(out.error.message).toMatch(expected[1]);
      expect(out.error.opIndex).toBe(0);
      expect(h.state.exists(s('k'))).toBe(stored !== undefined);
    }
  });
});

describe('store - get_index_from_value', () => {
  const h = new Harness();
  h.ok(
    { op: 'put', key: s('v'), value: vec(s('a'), s('b')) },
    { op: 'put', key: s('t'), value: table([s('x'), c(1)]) },
    { op: 'put', key: s('s'), value: set(c(1)) },
    { op: 'put', key: s('n'), value: c(42) }
  );
  it.each<[string, string, Data, string | undefined]>([
    ['vector at a count', 'v', c(1), '"b"'],
    ['vector at a non-negative integer', 'v', i(0), '"a"'],
    ['vector past its end', 'v', c(2), undefined],
    ['table at a key', 't', s('x'), '1'],
    ['table at a missing key', 't', s('y'), undefined],
    ['set membership', 's', c(1), 'T'],
    ['set non-membership', 's', c(2), 'F'],
    ['a scalar is its own every index (as Broker)', 'n', s('anything'), '42'],
    ['a missing key', 'missing', c(0), undefined],
  ])('%s', (_name, key, index, expected) => {
    const got = h.state.getIndex(s(key), index);
    expect(got === undefined ? undefined : fmt(got)).toBe(expected);
  });
  it('a vector indexed by a negative integer or a string is invalid-argument', () => {
    expect(() => h.state.getIndex(s('v'), i(-1))).toThrow(/count or a non-negative integer/);
    expect(() => h.state.getIndex(s('v'), s('0'))).toThrow(StoreOpError);
  });
});

describe('store - compare-and-set', () => {
  it('writes when the version matches; 0 means the key must be absent', () => {
    const h = new Harness();
    const a = h.ok({ op: 'cas', key: s('k'), expectedVersion: 0n, value: c(1) });
    expect(a.results).toEqual([{ swapped: true, version: 1n }]);
    expect(show(a.events)).toEqual(['insert "k"=1 @1 by peer-1']);
    const b = h.ok({ op: 'cas', key: s('k'), expectedVersion: 1n, value: c(2), expiryNs: 10n });
    expect(b.results).toEqual([{ swapped: true, version: 2n }]);
    expect(show(b.events)).toEqual(['update "k" 1->2 exp=10 @2 by peer-1']);
    expect(h.state.get(s('k'))?.expiresAtUnixNs).toBeDefined();
  });

  it('a single cas that does not match reports swapped false and the current version', () => {
    const h = new Harness();
    h.ok({ op: 'put', key: s('k'), value: c(1) });
    const out = h.ok({ op: 'cas', key: s('k'), expectedVersion: 0n, value: c(2) });
    expect(out.results).toEqual([{ swapped: false, version: 1n }]);
    expect(out.events).toEqual([]);
    expect(h.ok({ op: 'cas', key: s('gone'), expectedVersion: 3n, value: c(2) }).results).toEqual([
      { swapped: false, version: 0n },
    ]);
    expect(h.value(s('k'))).toBe('1');
  });

  it('compare-and-delete erases when the version matches', () => {
    const h = new Harness();
    h.ok({ op: 'put', key: s('k'), value: c(1) });
    expect(h.ok({ op: 'cas', key: s('k'), expectedVersion: 9n, erase: true }).results).toEqual([
      { swapped: false, existed: true, version: 1n },
    ]);
    const out = h.ok({ op: 'cas', key: s('k'), expectedVersion: 1n, erase: true });
    expect(out.results).toEqual([{ swapped: true, existed: true, version: 0n }]);
    expect(show(out.events)).toEqual(['erase "k" @3 by peer-1']);
    expect(h.ok({ op: 'cas', key: s('k'), expectedVersion: 0n, erase: true }).results).toEqual([
      { swapped: true, existed: false, version: 0n },
    ]);
  });

  it('in a batch, a cas that does not match fails the whole batch (failed-precondition)', () => {
    const h = new Harness();
    h.ok({ op: 'put', key: s('k'), value: c(1) });
    const out = h.err(
      { op: 'put', key: s('other'), value: c(1) },
      { op: 'cas', key: s('k'), expectedVersion: 7n, value: c(2) }
    );
    expect(out.error.code).toBe('failed-precondition');
    expect(out.error.opIndex).toBe(1);
    expect(out.error.message).toMatch(/version is 1, expected 7/);
    expect(h.state.exists(s('other'))).toBe(false);
    // A matching guard lets the batch through, and compares against the batch so far.
    h.ok(
      { op: 'cas', key: s('k'), expectedVersion: 1n, value: c(2) },
      { op: 'cas', key: s('k'), expectedVersion: 3n, value: c(3) }
    );
    expect(h.value(s('k'))).toBe('3');
  });

  it('a cas with both or neither of value and erase is invalid-argument', () => {
    const h = new Harness();
    expect(h.err({ op: 'cas', key: s('k'), expectedVersion: 0n }).error.code).toBe(
      'invalid-argument'
    );
    expect(
      h.err({ op: 'cas', key: s('k'), expectedVersion: 0n, value: c(1), erase: true }).error.code
    ).toBe('invalid-argument');
  });
});

describe('store - atomic batches', () => {
  it('a failing op leaves nothing of its batch behind, events included', () => {
    const h = new Harness();
    h.ok({ op: 'put', key: s('n'), value: c(1) }, { op: 'put', key: s('keep'), value: s('x') });
    const out = h.err(
      { op: 'put', key: s('new'), value: c(1) },
      { op: 'erase', key: s('keep') },
      { op: 'add', key: s('n'), value: s('clash') },
      { op: 'clear' }
    );
    expect(out.events).toEqual([]);
    expect(out.error.opIndex).toBe(2);
    expect(out.error.code).toBe('invalid-argument');
    expect(fmt(h.state.keys())).toBe('{"keep", "n"}');
    expect(h.state.get(s('n'))?.version).toBe(1n);
    // The rejected entry still counts as applied.
    expect(h.state.appliedIndex).toBe(2);
  });

  it('a hand-built command with a bad op is rejected, not thrown', () => {
    const h = new Harness();
    const bad = { op: 'frobnicate', key: s('x') } as unknown as { op: 'clear' };
    const out = h.err({ op: 'put', key: s('a'), value: c(1) }, bad);
    expect(out.error.message).toMatch(/unknown operation "frobnicate"/);
    const notData = { op: 'put', key: { kind: 'count', value: -1n }, value: c(1) } as never;
    expect(h.err(notData).error.message).toMatch(/key is not a valid value/);
  });
});

describe('store - limits', () => {
  const small = { maxKeyBytes: 10, maxValueBytes: 20, maxKeys: 3, maxBytes: 60, maxDepth: 2 };

  it.each<[string, Parameters<Harness['ops']>, RegExp]>([
    [
      'key too large',
      [{ op: 'put', key: s('x'.repeat(9)), value: c(1) }],
      /--max-key-bytes \(10\) exceeded: key of 11 bytes/,
    ],
    [
      'value too large',
      [{ op: 'put', key: s('k'), value: s('x'.repeat(19)) }],
      /--max-value-bytes \(20\) exceeded: value of 21 bytes/,
    ],
    [
      'too many keys',
      [
        { op: 'put', key: c(1), value: c(1) },
        { op: 'put', key: c(2), value: c(1) },
        { op: 'put', key: c(3), value: c(1) },
        { op: 'put', key: c(4), value: c(1) },
      ],
      /--max-store-keys \(3\) exceeded: 4 keys/,
    ],
    [
      'too many bytes',
      [
        { op: 'put', key: s('a'), value: s('x'.repeat(18)) },
        { op: 'put', key: s('b'), value: s('x'.repeat(18)) },
        { op: 'put', key: s('c'), value: s('x'.repeat(18)) },
      ],
      /--max-store-bytes \(60\) exceeded: 69 bytes/,
    ],
    [
      'value grown by add too large',
      [
        { op: 'put', key: s('k'), value: s('x'.repeat(10)) },
        { op: 'add', key: s('k'), value: s('y'.repeat(9)) },
      ],
      /--max-value-bytes \(20\) exceeded: value of 21 bytes/,
    ],
  ])('%s is resource-exhausted naming the flag, whole batch rejected', (_n, ops, msg) => {
    const h = new Harness(small);
    const out = h.err(...ops);
    expect(out.error.code).toBe('resource-exhausted');
    expect(out.error.message).toMatch(msg);
    expect(h.state.size).toBe(0);
  });

  it('a batch may pass through a limit as long as it ends within it', () => {
    const h = new Harness(small);
    h.ok(
      { op: 'put', key: c(1), value: c(1) },
      { op: 'put', key: c(2), value: c(1) },
      { op: 'put', key: c(3), value: c(1) },
      { op: 'erase', key: c(1) },
      { op: 'put', key: c(4), value: c(1) }
    );
    expect(h.state.size).toBe(3);
    expect(h.state.bytes).toBe(6 * 9);
  });

  it('nesting beyond --max-depth is invalid-argument, in keys, values and container adds', () => {
    const h = new Harness(small);
    const deep = vec(vec(vec(c(1))));
    expect(h.err({ op: 'put', key: s('k'), value: deep }).error.message).toMatch(
      /value nests deeper than --max-depth \(2\)/
    );
    expect(h.err({ op: 'put', key: deep, value: c(1) }).error.message).toMatch(/key nests deeper/);
    h.ok({ op: 'put', key: s('v'), value: vec() });
    h.ok({ op: 'add', key: s('v'), value: vec(c(1)) });
    expect(h.err({ op: 'add', key: s('v'), value: vec(vec(c(1))) }).error.message).toMatch(
      /--max-depth \(2\)/
    );
  });

  it('a store above lowered limits can still shrink and update in place', () => {
    const big = new Harness();
    for (let k = 0; k < 5; k++) big.ok({ op: 'put', key: c(k), value: c(k) });
    const h = new Harness(small, StoreState.restore(big.state.snapshot(), small));
    expect(h.state.size).toBe(5);
    h.ok({ op: 'put', key: c(0), value: c(9) });
    h.ok({ op: 'erase', key: c(1) });
    expect(h.err({ op: 'put', key: c(7), value: c(9) }).error.message).toMatch(/--max-store-keys/);
  });

  it('rejects limits out of range, naming the flag', () => {
    expect(() => new StoreState({ ...LIMITS, maxKeys: 0 })).toThrow(/maxKeys \(--max-store-keys\)/);
    expect(() => new StoreState({ ...LIMITS, maxDepth: 1000 })).toThrow(/--max-depth/);
    expect(() => new StoreState({ ...LIMITS, maxBytes: 1.5 })).toThrow(StoreInvariantError);
  });

  it('counts bytes as encoded keys plus values', () => {
    const h = new Harness();
    h.ok({ op: 'put', key: s('ab'), value: c(1) });
    expect(h.state.bytes).toBe(4 + 9);
    h.ok({ op: 'put', key: s('ab'), value: s('xyz') });
    expect(h.state.bytes).toBe(4 + 5);
    h.ok({ op: 'erase', key: s('ab') });
    expect(h.state.bytes).toBe(0);
  });
});

describe('store - incremental sizes', () => {
  const counts = (n: number): Data[] => Array.from({ length: n }, (_x, k) => c(k));
  it.each<[string, Data, 'add' | 'subtract', Data]>([
    ['a set growing past 127 elements', data.set(counts(127)), 'add', c(1000)],
    ['a set shrinking below 128 elements', data.set(counts(128)), 'subtract', c(5)],
    ['a vector growing past 127 elements', data.vector(counts(127)), 'add', s('x')],
    ['a vector popping below 128 elements', data.vector(counts(128)), 'subtract', c(0)],
    [
      'a table growing past 127 entries',
      data.table(counts(127).map((k): [Data, Data] => [k, k])),
      'add',
      vec(c(999), s('v')),
    ],
    [
      'a table shrinking below 128 entries',
      data.table(counts(128).map((k): [Data, Data] => [k, k])),
      'subtract',
      c(3),
    ],
    [
      'a table overwrite with a larger value',
      data.table([[c(1), c(1)]]),
      'add',
      vec(c(1), s('longer value')),
    ],
    ['a string growing past 127 bytes', s('x'.repeat(120)), 'add', s('é'.repeat(10))],
  ])('%s: bytes match a full encoding', (_n, stored, op, arg) => {
    const h = new Harness();
    h.ok({ op: 'put', key: s('k'), value: stored });
    h.ok({ op, key: s('k'), value: arg });
    expect(h.state.bytes).toBe(StoreState.restore(h.state.snapshot(), LIMITS).bytes);
    const fresh = new Harness();
    fresh.ok({ op: 'put', key: s('k'), value: h.state.get(s('k'))?.value as Data });
    expect(h.state.bytes).toBe(fresh.state.bytes);
  });

  it('an add with an expiry reports it in its event (Broker reports none)', () => {
    const h = new Harness();
    const out = h.ok({ op: 'add', key: s('n'), value: c(1), expiryNs: 7n });
    expect(show(out.events)).toEqual(['insert "n"=1 exp=7 @1 by peer-1']);
  });
});
