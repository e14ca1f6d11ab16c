/**
 * Property tests over seeded random logs: replicas applying the same log agree, and a replica
 * restored from a snapshot taken anywhere agrees with one that applied everything.
 */
import {
  ClusterMap,
  type MetaApplyResult,
  type MetaCommandKind,
} from '../../node/src/cluster/map/index.js';
import { randomLog, type LogEntry } from './random-commands.js';

const SEEDS = 25;
const LENGTH = 300;

function outcome(r: MetaApplyResult): string {
  return r.ok ? `ok ${JSON.stringify(r.value ?? null)}` : `${r.error.name}: ${r.error.message}`;
}

function run(map: ClusterMap, log: readonly LogEntry[]): string[] {
  return log.map((e) => outcome(map.apply(e.index, e.cmd)));
}

const bytes = (m: ClusterMap): Buffer => Buffer.from(m.snapshot());

describe('cluster map - determinism', () => {
  test.each(Array.from({ length: SEEDS }, (_, i) => 9000 + i))(
    'seed %i: two maps applying the same log agree at every step',
    (seed) => {
      const log = randomLog(seed, LENGTH);
      const x = new ClusterMap();
      const y = new ClusterMap();
      const stepsX: string[] = [];
      const stepsY: string[] = [];
      for (const e of log) {
        stepsX.push(`${outcome(x.apply(e.index, e.cmd))} => ${bytes(x).toString('base64')}`);
        stepsY.push(`${outcome(y.apply(e.index, e.cmd))} => ${bytes(y).toString('base64')}`);
      }
      expect(stepsY).toEqual(stepsX);
      expect(y.state).toEqual(x.state);
      expect(bytes(y).equals(bytes(x))).toBe(true);
    }
  );

  test.each(Array.from({ length: SEEDS }, (_, i) => 9100 + i))(
    'seed %i: restore at any point, then the rest of the log == applying all',
    (seed) => {
      const log = randomLog(seed, LENGTH);
      const full = new ClusterMap();
      const fullResults = run(full, log);
      const live = new ClusterMap();
      for (let cut = 0; cut <= log.length; cut += 1) {
        if (cut > 0) live.apply(log[cut - 1]!.index, log[cut - 1]!.cmd);
        if (cut % 15 !== 0 && cut !== log.length) continue;
        const restored = ClusterMap.restore(live.snapshot());
        expect(restored.state).toEqual(live.state);
        expect(run(restored, log.slice(cut))).toEqual(fullResults.slice(cut));
        expect(bytes(restored).equals(bytes(full))).toBe(true);
        // Replaying entries the snapshot already reflects (the WAL overlapping it) is harmless.
        const overlap = ClusterMap.restore(live.snapshot());
        run(overlap, log.slice(Math.max(0, cut - 10)));
        expect(bytes(overlap).equals(bytes(full))).toBe(true);
      }
    }
  );

  test('every state the random logs reach is one restore accepts (the snapshot checks every invariant)', () => {
    for (let seed = 9200; seed < 9200 + SEEDS; seed++) {
      const map = new ClusterMap();
      for (const e of randomLog(seed, LENGTH)) {
        map.apply(e.index, e.cmd);
        expect(() => ClusterMap.restore(map.snapshot())).not.toThrow();
      }
    }
  });

  test('the random logs exercise every command kind, accepted and refused', () => {
    const accepted = new Map<MetaCommandKind, number>();
    const refused = new Map<MetaCommandKind, number>();
    let deep = 0;
    for (let seed = 9000; seed < 9000 + SEEDS; seed++) {
      const map = new ClusterMap();
      for (const e of randomLog(seed, LENGTH)) {
        const tally = map.apply(e.index, e.cmd).ok ? accepted : refused;
        tally.set(e.cmd.kind, (tally.get(e.cmd.kind) ?? 0) + 1);
      }
      const st = map.state;
      if (
        st.stores.length >= 2 &&
        st.members.some((m) => m.state === 'removed') &&
        st.members.some((m) => m.generation > 0)
      )
        deep++;
    }
    const kinds: MetaCommandKind[] = [
      'bootstrap',
      'add-member',
      'rejoin',
      'set-member-state',
      'set-address',
      'create-store',
      'delete-store',
      'store-gone',
      'set-replicas',
      'set-meta-voters',
      'set-preferred-leader',
    ];
    for (const k of kinds) {
      const seen = {
        kind: k,
        accepted: (accepted.get(k) ?? 0) > 0,
        refused: (refused.get(k) ?? 0) > 0,
      };
      expect(seen).toEqual({ kind: k, accepted: true, refused: true });
    }
    expect(deep).toBeGreaterThan(SEEDS / 4);
  });
});
