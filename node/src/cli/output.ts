import type { StatusResponse__Output } from '../gen/broker/v1/StatusResponse.js';

/** Formats rows as aligned columns. */
export function table(header: readonly string[], rows: ReadonlyArray<readonly string[]>): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]): string =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}

/** Status as JSON with numbers where the proto has 64-bit strings. */
export function statusJson(s: StatusResponse__Output): unknown {
  return {
    id: s.id,
    version: s.version,
    security: s.security,
    listen: s.listen,
    uptimeMs: Number(s.uptime_ms),
    draining: s.draining,
    subscribers: s.subscribers,
    subscriptions: s.subscriptions.map((t) => ({ topic: t.topic, subscribers: t.subscribers })),
    peers: peersJson(s),
  };
}

export function peersJson(s: StatusResponse__Output): unknown[] {
  return s.peers.map((p) => ({
    id: p.id,
    address: p.address,
    state: p.state,
    topics: p.topics,
    queuedEvents: Number(p.queued_events),
    credits: Number(p.credits),
    connectionAttempts: p.connection_attempts,
    lastError: p.last_error,
  }));
}

export function peersTable(s: StatusResponse__Output): string {
  if (s.peers.length === 0) return '(no peers)';
  return table(
    ['PEER', 'STATE', 'ADDRESS', 'TOPICS', 'QUEUED', 'ATTEMPTS', 'LAST ERROR'],
    s.peers.map((p) => [
      p.id || '?',
      p.state,
      p.address || '-',
      p.topics.join(',') || '-',
      String(p.queued_events),
      String(p.connection_attempts),
      p.last_error,
    ])
  );
}

export function statusText(s: StatusResponse__Output): string {
  const lines = [
    `peer ${s.id}  version ${s.version}  security ${s.security}  listen ${s.listen}  uptime ${Math.round(Number(s.uptime_ms) / 1000)}s${s.draining ? '  DRAINING' : ''}`,
    `local subscribers: ${s.subscribers}` +
      (s.subscriptions.length > 0
        ? `  (${s.subscriptions.map((t) => `${t.topic}×${t.subscribers}`).join(', ')})`
        : ''),
    '',
    peersTable(s),
  ];
  return lines.join('\n');
}
