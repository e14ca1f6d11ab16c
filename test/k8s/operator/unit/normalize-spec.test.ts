import fs from 'node:fs';
import path from 'node:path';
import { loadYaml } from '@kubernetes/client-node';
import { InvalidSpecError, normalizeSpec } from '../../../../operator/src/api/index.js';
import { CRD_DIR } from '../operator-process.js';

function fieldOf(spec: unknown): string {
  try {
    normalizeSpec(spec);
  } catch (err) {
    if (err instanceof InvalidSpecError) return err.field;
    throw err;
  }
  return 'valid';
}

describe('normalizeSpec', () => {
  test('an empty spec gets the defaults the CRD declares', () => {
    const s = normalizeSpec({});
    expect(s).toMatchObject({
      replicas: 3,
      replicationFactor: 3,
      image: 'broker-node:0.1.0',
      imagePullPolicy: 'IfNotPresent',
      storage: { size: '1Gi', reclaimPolicy: 'Retain' },
      pubsub: { overflowPolicy: 'block' },
      tls: { enabled: false },
      metrics: { serviceMonitor: false },
      paused: false,
      stores: [],
    });
  });

  test('the defaults equal the CRD schema defaults', () => {
    const file = path.join(CRD_DIR, 'brokerclusters.brokercluster.dev.yaml');
    const crd = loadYaml<{
      spec: { versions: { schema: { openAPIV3Schema: { properties: { spec: Schema } } } }[] };
    }>(fs.readFileSync(file, 'utf8'));
    interface Schema {
      default?: unknown;
      properties?: Record<string, Schema>;
    }
    const spec = crd.spec.versions[0]?.schema.openAPIV3Schema.properties.spec as Schema;
    const s = normalizeSpec({}) as unknown as Record<string, Record<string, unknown>>;
    for (const [k, v] of Object.entries(spec.properties ?? {})) {
      if (v.default !== undefined && typeof v.default !== 'object')
        expect([k, s[k]]).toEqual([k, v.default]);
      for (const [k2, v2] of Object.entries(v.properties ?? {}))
        if (v2.default !== undefined)
          expect([`${k}.${k2}`, s[k]?.[k2]]).toEqual([`${k}.${k2}`, v2.default]);
    }
  });

  test.each([
    [null, 'spec'],
    [{ replicas: 0 }, 'spec.replicas'],
    [{ replicas: 2.5 }, 'spec.replicas'],
    [{ replicas: '3' }, 'spec.replicas'],
    [{ replicas: 2, replicationFactor: 3 }, 'spec.replicationFactor'],
    [{ image: 'has space' }, 'spec.image'],
    [{ imagePullPolicy: 'Sometimes' }, 'spec.imagePullPolicy'],
    [{ storage: { size: '1GB' } }, 'spec.storage.size'],
    [{ storage: { reclaimPolicy: 'Recycle' } }, 'spec.storage.reclaimPolicy'],
    [{ resources: { limits: { memory: 'lots' } } }, 'spec.resources.limits.memory'],
    [{ stores: [{ name: 'a' }, { name: 'a' }] }, 'spec.stores[1].name'],
    [{ stores: [{ name: 'UPPER' }] }, 'spec.stores[0].name'],
    [{ stores: [{ name: 'x', replicationFactor: 5 }] }, 'spec.stores[0].replicationFactor'],
    [{ stores: 'x' }, 'spec.stores'],
    [{ pubsub: { overflowPolicy: 'explode' } }, 'spec.pubsub.overflowPolicy'],
    [{ pubsub: { maxMessageBytes: 10 } }, 'spec.pubsub.maxMessageBytes'],
    [{ tls: { enabled: true } }, 'spec.tls.secretName'],
    [{ metrics: { serviceMonitor: 'yes' } }, 'spec.metrics.serviceMonitor'],
    [{ podTemplate: { labels: { 'bad key!': 'x' } } }, 'spec.podTemplate.labels.bad key!'],
    [
      { podTemplate: { tolerations: [{ effect: 'Never' }] } },
      'spec.podTemplate.tolerations[0].effect',
    ],
    [{ podTemplate: { affinity: [] } }, 'spec.podTemplate.affinity'],
    [{ paused: 1 }, 'spec.paused'],
    [{ failover: { replaceAfterSeconds: 5 } }, 'spec.failover.replaceAfterSeconds'],
  ])('%j is refused naming %s', (spec, field) => {
    expect(fieldOf(spec)).toBe(field);
  });

  test('every example in examples/ is a valid spec', () => {
    const dir = path.join(CRD_DIR, '..', '..', '..', 'examples');
    const files = fs.readdirSync(dir).filter((f) => f.endsWith('.yaml'));
    expect(files.length).toBeGreaterThan(0);
    for (const f of files) {
      const bc = loadYaml<{ kind: string; spec: unknown }>(
        fs.readFileSync(path.join(dir, f), 'utf8')
      );
      expect([f, bc.kind]).toEqual([f, 'BrokerCluster']);
      expect(() => normalizeSpec(bc.spec)).not.toThrow();
    }
  });

  test('a full spec is kept', () => {
    const s = normalizeSpec({
      replicas: 5,
      replicationFactor: 5,
      resources: { requests: { cpu: '100m', memory: '128Mi' } },
      storage: { size: '2Gi', storageClassName: 'fast', reclaimPolicy: 'Delete' },
      stores: [{ name: 'conn.log', replicationFactor: 3, maxKeys: 1000 }],
      tls: { enabled: true, secretName: 'tls' },
      podTemplate: { nodeSelector: { zone: 'a' }, tolerations: [{ key: 'k', operator: 'Exists' }] },
    });
    expect(s.stores).toEqual([{ name: 'conn.log', replicationFactor: 3, maxKeys: 1000 }]);
    expect(s.storage).toEqual({ size: '2Gi', storageClassName: 'fast', reclaimPolicy: 'Delete' });
    expect(s.podTemplate.tolerations).toEqual([{ key: 'k', operator: 'Exists' }]);
  });
});
