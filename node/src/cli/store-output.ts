/** How brokerctl prints store and cluster results (pure; test/client-store checks it). */
import type {
  ClusterMap,
  DrainStatus,
  GroupStatus,
  StoreEvent,
  StoreInfo,
  StorePlacement,
} from '../client/index.js';
import { type Data, formatTimestamp, formatTimespan, toJson } from '../data/index.js';
import { table } from './output.js';

const BIG = '\u0000big:';

/**
 * JSON text in which bigints are exact JSON numbers (versions and indexes are uint64, past
 * what a JavaScript number holds exactly) and Data values are in Broker's JSON form when
 * wrapped with {@link brokerJson}.
 */
export function jsonText(value: unknown): string {
  const text = JSON.stringify(value, (_k, v: unknown) =>
    typeof v === 'bigint' ? `${BIG}${v.toString()}` : v
  );
  // JSON.stringify writes U+0000 as \u0000, which cannot occur in any other string.
  return text.replace(/"\\u0000big:(-?\d+)"/g, '$1');
}

/** A Data value in Broker's JSON form, ready for {@link jsonText}. */
export function brokerJson(d: Data): unknown {
  return toJson(d);
}

/** A store event as one JSON line (the `store watch` output). */
export function eventJson(store: string, e: StoreEvent): string {
  return jsonText({
    type: e.type,
    store,
    index: e.index,
    key: brokerJson(e.key),
    ...(e.value !== undefined ? { value: brokerJson(e.value) } : {}),
    ...(e.oldValue !== undefined ? { 'old-value': brokerJson(e.oldValue) } : {}),
    ...(e.expiry !== undefined ? { expiry: formatTimespan(e.expiry) } : {}),
    publisher: e.publisher,
  });
}

export function storesTable(stores: readonly StoreInfo[]): string {
  if (stores.length === 0) return '(no stores)';
  return table(
    ['STORE', 'RF', 'REPLICAS', 'LEADER', 'KEYS', 'BYTES'],
    stores.map((s) => [
      s.name,
      String(s.replicationFactor),
      s.replicas.join(',') || '-',
      s.leader || '?',
      String(s.keys),
      String(s.bytes),
    ])
  );
}

export function membersText(m: ClusterMap): string {
  const head = `cluster ${m.clusterId || '?'}  map index ${m.index}  meta leader ${m.metaLeader || '?'}`;
  const members =
    m.members.length === 0
      ? '(no members)'
      : table(
          ['MEMBER', 'STATE', 'ADDRESS', 'GENERATION', 'META'],
          m.members.map((x) => [
            x.id,
            x.state,
            x.address || '-',
            String(x.generation),
            x.id === m.metaLeader ? 'leader' : x.metaVoter ? 'voter' : 'learner',
          ])
        );
  const stores =
    m.stores.length === 0
      ? '(no stores)'
      : table(
          ['STORE', 'GROUP', 'RF', 'REPLICAS', 'LEARNERS'],
          m.stores.map((s) => [
            s.name,
            s.group,
            String(s.replicationFactor),
            s.replicas.join(',') || '-',
            s.learners.join(',') || '-',
          ])
        );
  return [head, '', members, '', stores].join('\n');
}

export function placementText(s: StorePlacement): string {
  return `store ${s.name}  group ${s.group}  replication factor ${s.replicationFactor}  replicas ${s.replicas.join(',') || '-'}${s.learners.length > 0 ? `  learners ${s.learners.join(',')}` : ''}`;
}

export function drainText(d: DrainStatus): string {
  return `member ${d.id}  ${d.state}  replicas left ${d.replicasLeft}  leaderships left ${d.leadersLeft}  ${d.done ? 'done' : 'in progress'}`;
}

/** Group rows, headed by the member that answered when known. */
export function groupsText(member: string | undefined, groups: readonly GroupStatus[]): string {
  if (groups.length === 0) return `member ${member ?? '?'}: (no groups)`;
  const rows = groups.map((g) => [
    g.group,
    g.store || '-',
    g.broken ? `broken (${g.brokenReason})` : g.role,
    String(g.term),
    g.leader || '?',
    String(g.commitIndex),
    String(g.appliedIndex),
    String(g.lastIndex),
    String(g.snapshotIndex),
    g.restoreTotal > 0n
      ? `${g.restoreBytes}/${g.restoreTotal} (${Number((g.restoreBytes * 100n) / g.restoreTotal)}%)`
      : '-',
  ]);
  const lines = [
    ...(member !== undefined ? [`member ${member}`] : []),
    table(
      [
        'GROUP',
        'STORE',
        'ROLE',
        'TERM',
        'LEADER',
        'COMMIT',
        'APPLIED',
        'LAST',
        'SNAPSHOT',
        'RESTORE',
      ],
      rows
    ),
  ];
  for (const g of groups) {
    if (g.followers.length === 0) continue;
    lines.push('', `followers of ${g.group}:`);
    lines.push(
      table(
        ['FOLLOWER', 'STATE', 'MATCH', 'NEXT', 'LAG', 'LEARNER'],
        g.followers.map((f) => [
          f.id,
          f.state,
          String(f.match),
          String(f.next),
          String(f.lag),
          f.learner ? 'yes' : 'no',
        ])
      )
    );
  }
  return lines.join('\n');
}

/** An expiry time (unix ns) as Broker's timestamp text, for `store get --output json`. */
export function expiresAtText(ns: bigint | undefined): string | null {
  return ns === undefined ? null : formatTimestamp(ns);
}
