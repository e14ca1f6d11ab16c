import { normalizeSpec } from '../../../../operator/src/api/index.js';
import {
  clusterNames,
  configHash,
  desiredConfigMap,
  desiredPdb,
  desiredStatefulSet,
  FOUNDERS_ANNOTATION,
  foundersOf,
  podOrdinal,
  setCondition,
} from '../../../../operator/src/controller/index.js';

const owner = {
  apiVersion: 'brokercluster.dev/v1alpha1',
  kind: 'BrokerCluster',
  name: 'demo',
  uid: 'u1',
  controller: true,
};
const names = clusterNames('demo', 'ns1');

describe('desired objects', () => {
  test('the StatefulSet: peers discover each other through the headless Service, restricted pods', () => {
    const spec = normalizeSpec({
      tls: { enabled: true, secretName: 'tls1' },
      podTemplate: { labels: { team: 'x' }, nodeSelector: { zone: 'a' } },
    });
    const sts = desiredStatefulSet(names, spec, owner, 3, 'h1');
    const pod = sts.spec?.template.spec;
    const c = pod?.containers[0];
    expect(c?.args).toEqual(
      expect.arrayContaining([
        '--id=$(POD_NAME)',
        '--peers=demo-0=demo-0.demo-peers.ns1.svc.cluster.local:7400,demo-1=demo-1.demo-peers.ns1.svc.cluster.local:7400,demo-2=demo-2.demo-peers.ns1.svc.cluster.local:7400',
        '--meta-voters=3',
        '--data-dir=/data',
        '--tls-cert=/etc/broker/tls/tls.crt',
      ])
    );
    expect(c?.args).not.toContain('--insecure');
    expect(c?.securityContext).toMatchObject({
      readOnlyRootFilesystem: true,
      allowPrivilegeEscalation: false,
      capabilities: { drop: ['ALL'] },
    });
    expect(pod?.securityContext).toMatchObject({
      runAsNonRoot: true,
      seccompProfile: { type: 'RuntimeDefault' },
    });
    expect(pod?.nodeSelector).toEqual({ zone: 'a' });
    expect(sts.spec?.template.metadata?.labels?.team).toBe('x');
    expect(sts.spec?.template.metadata?.annotations?.['brokercluster.dev/config-hash']).toBe('h1');
    expect(sts.metadata?.ownerReferences).toEqual([owner]);
    expect(sts.spec?.volumeClaimTemplates?.[0]?.spec?.resources?.requests).toEqual({
      storage: '1Gi',
    });
  });

  test('a scale step leaves the pod template alone: --peers lists the founders only', () => {
    const spec = normalizeSpec({ replicas: 3 });
    const three = desiredStatefulSet(names, spec, owner, 3, 'h');
    const five = desiredStatefulSet(names, { ...spec, replicas: 5 }, owner, 5, 'h', 3);
    expect(five.spec?.template).toEqual(three.spec?.template);
    expect(five.spec?.replicas).toBe(5);
    expect(five.metadata?.annotations?.[FOUNDERS_ANNOTATION]).toBe('3');
    const args = five.spec?.template.spec?.containers[0]?.args ?? [];
    expect(args.find((a) => a.startsWith('--peers='))?.split(',')).toHaveLength(3);
    expect(args).toContain('--meta-voters=3');
    expect(args).toContain('--admin-token-file=/etc/broker/admin/admin-token');
    expect(five.spec?.template.spec?.volumes).toContainEqual({
      name: 'admin-token',
      secret: { secretName: 'demo-admin-token', defaultMode: 0o400 },
    });
    // The founders come from the StatefulSet once it exists, else from the requested size.
    expect(foundersOf(undefined, 5)).toBe(5);
    expect(foundersOf({ metadata: { annotations: { [FOUNDERS_ANNOTATION]: '3' } } }, 7)).toBe(3);
    expect(foundersOf({ spec: { replicas: 4 } }, 7)).toBe(3);
    expect(foundersOf({ metadata: { annotations: { [FOUNDERS_ANNOTATION]: 'x' } } }, 1)).toBe(1);
  });

  test('without TLS the peers are told plaintext is intended', () => {
    const sts = desiredStatefulSet(names, normalizeSpec({}), owner, 3, 'h');
    expect(sts.spec?.template.spec?.containers[0]?.args).toContain('--insecure');
  });

  test('a config change changes the hash (and so rolls the pods); the same config does not', () => {
    const a = desiredConfigMap(names, normalizeSpec({ pubsub: { maxMessageBytes: 2048 } }), owner);
    const b = desiredConfigMap(names, normalizeSpec({ pubsub: { maxMessageBytes: 4096 } }), owner);
    const a2 = desiredConfigMap(names, normalizeSpec({ pubsub: { maxMessageBytes: 2048 } }), owner);
    expect(configHash(a)).not.toBe(configHash(b));
    expect(configHash(a)).toBe(configHash(a2));
    expect(a.data?.BROKER_MAX_MESSAGE_BYTES).toBe('2048');
  });

  test('the PDB uses the API version discovery found', () => {
    expect(desiredPdb(names, owner, 'policy/v1beta1').apiVersion).toBe('policy/v1beta1');
    expect(desiredPdb(names, owner, 'policy/v1').spec?.maxUnavailable).toBe(1);
  });

  test('pod ordinals', () => {
    expect(podOrdinal('demo', 'demo-12')).toBe(12);
    expect(podOrdinal('demo', 'demo-x')).toBeUndefined();
    expect(podOrdinal('demo', 'demo-01')).toBeUndefined();
    expect(podOrdinal('demo', 'other-1')).toBeUndefined();
  });
});

describe('conditions', () => {
  test('lastTransitionTime moves only when the status changes; observedGeneration always', () => {
    const t1 = new Date('2026-01-01T00:00:00Z');
    const t2 = new Date('2026-01-01T00:01:00Z');
    let c = setCondition([], 'Available', 'False', 'PeersNotReady', '0/3', 1, t1);
    c = setCondition(c, 'Available', 'False', 'PeersNotReady', '1/3', 2, t2);
    expect(c[0]).toMatchObject({
      lastTransitionTime: t1.toISOString(),
      observedGeneration: 2,
      message: '1/3',
    });
    c = setCondition(c, 'Available', 'True', 'PeersReady', '3/3', 2, t2);
    expect(c[0]?.lastTransitionTime).toBe(t2.toISOString());
  });
});
