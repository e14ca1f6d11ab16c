import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { type BrokerClient, connect, data } from '../../node/src/client/index.js';
import { type Mesh, startMesh } from '../../node/src/dev/index.js';
import { ensureBuilt } from './support/ensure-built.js';
import { collect, waitForFilter, waitForMesh } from './support/mesh-client.js';
import { parsePrometheusText, scrape, sumOf } from './support/prometheus-text.js';
import { waitFor } from './support/wait-for.js';

let mesh: Mesh;
let a: BrokerClient;
let b: BrokerClient;

beforeAll(async () => {
  ensureBuilt();
  mesh = await startMesh(['a', 'b'], ['--metrics-topic-prefixes', '/m/known']);
  a = connect(mesh.nodes[0]!.grpc);
  b = connect(mesh.nodes[1]!.grpc);
  await waitForMesh([a, b]);
}, 120_000);

afterAll(async () => {
  a?.close();
  b?.close();
  await mesh?.stopAll();
});

describe('/metrics, /healthz, /readyz over HTTP', () => {
  it('counts published, forwarded, received and delivered events and bytes, with bounded topic labels', async () => {
    const remote = b.subscribe(['/m']);
    const local = a.subscribe(['/m/known']);
    await Promise.all([remote.ready(), local.ready()]);
    await waitForFilter([a, b], 'b', '/m');
    const r = collect(remote, (t) => t);
    const l = collect(local, (t) => t);
    const known = Array.from({ length: 100 }, (_, i) => data.count(i));
    const other = Array.from({ length: 50 }, (_, i) => data.string(`event ${i}`));
    await a.publish('/m/known/x', known);
    await a.publish('/m/other', other);
    await waitFor(() => r.items.length === 150 && l.items.length === 100, 'all deliveries');
    remote.close();
    local.close();
    const ma = await scrape(mesh.nodes[0]!.http!);
    const mb = await scrape(mesh.nodes[1]!.http!);
    expect(sumOf(ma, 'broker_published_messages_total', { topic_prefix: '/m/known' })).toBe(100);
    expect(sumOf(ma, 'broker_published_messages_total', { topic_prefix: 'other' })).toBe(50);
    expect(sumOf(ma, 'broker_forwarded_messages_total')).toBe(150);
    expect(sumOf(ma, 'broker_forwarded_bytes_total')).toBe(
      sumOf(ma, 'broker_published_bytes_total')
    );
    expect(sumOf(ma, 'broker_delivered_messages_total', { topic_prefix: '/m/known' })).toBe(100);
    expect(sumOf(mb, 'broker_peer_received_messages_total')).toBe(150);
    expect(sumOf(mb, 'broker_peer_received_bytes_total')).toBe(
      sumOf(ma, 'broker_forwarded_bytes_total')
    );
    expect(sumOf(mb, 'broker_delivered_messages_total')).toBe(150);
    expect(sumOf(mb, 'broker_delivered_bytes_total')).toBe(
      sumOf(mb, 'broker_peer_received_bytes_total')
    );
    expect(sumOf(mb, 'broker_publish_to_deliver_latency_seconds_count')).toBeGreaterThanOrEqual(1);
    expect(sumOf(mb, 'broker_publish_to_deliver_latency_seconds_bucket', { le: '+Inf' })).toBe(
      sumOf(mb, 'broker_publish_to_deliver_latency_seconds_count')
    );
    for (const m of [ma, mb]) {
      expect(sumOf(m, 'broker_peers_connected')).toBe(1);
      expect(sumOf(m, 'broker_dropped_messages_total')).toBe(0);
      const labels = new Set(
        m.filter((s) => s.labels.topic_prefix !== undefined).map((s) => s.labels.topic_prefix)
      );
      for (const v of labels) expect(['/m/known', 'other']).toContain(v);
    }
  }, 30_000);

  it('follows Prometheus conventions and includes process metrics', async () => {
    const res = await fetch(`http://${mesh.nodes[0]!.http!}/metrics`);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    const { samples, types } = parsePrometheusText(await res.text());
    const broker = [...types.entries()].filter(([n]) => n.startsWith('broker_'));
    expect(broker.length).toBeGreaterThanOrEqual(12);
    for (const [name, type] of broker) {
      if (type === 'counter') expect(name).toMatch(/_total$/);
      else expect(name).not.toMatch(/_total$/);
    }
    expect(types.get('broker_publish_to_deliver_latency_seconds')).toBe('histogram');
    expect(sumOf(samples, 'process_cpu_user_seconds_total')).toBeGreaterThan(0);
    expect(sumOf(samples, 'nodejs_heap_size_used_bytes')).toBeGreaterThan(0);
    for (const reason of ['subscriber_overflow', 'subscriber_disconnected', 'peer_unavailable']) {
      expect(
        samples.some(
          (s) => s.name === 'broker_dropped_messages_total' && s.labels.reason === reason
        )
      ).toBe(true);
    }
  });

  it('answers /healthz, /readyz, 404 and 405', async () => {
    const base = `http://${mesh.nodes[1]!.http!}`;
    const h = await fetch(`${base}/healthz`);
    expect([h.status, await h.text()]).toEqual([200, 'ok\n']);
    const r = await fetch(`${base}/readyz`);
    expect(r.status).toBe(200);
    expect(await r.text()).toMatch(/1 peers linked/);
    expect((await fetch(`${base}/nope`)).status).toBe(404);
    expect((await fetch(`${base}/metrics`, { method: 'POST' })).status).toBe(405);
  });
});
