import type { V1Endpoints, V1Pod, V1Service } from '@kubernetes/client-node';
import { hostsFileFor, nameRecords } from '../kubelet/names.js';

const headless: V1Service = {
  metadata: { name: 'web', namespace: 'ns1' },
  spec: { clusterIP: 'None' },
};
const plain: V1Service = {
  metadata: { name: 'api', namespace: 'ns1' },
  spec: { clusterIP: '10.0.0.7' },
};
const endpoints: V1Endpoints[] = [
  {
    metadata: { name: 'web', namespace: 'ns1' },
    subsets: [
      {
        addresses: [
          { ip: '10.244.1.3', hostname: 'web-1' },
          { ip: '10.244.1.2', hostname: 'web-0' },
        ],
        notReadyAddresses: [{ ip: '10.244.1.4', hostname: 'web-2' }],
      },
    ],
  },
  {
    metadata: { name: 'api', namespace: 'ns1' },
    subsets: [{ addresses: [{ ip: '10.244.1.9', hostname: 'x' }] }],
  },
];

test('records follow ready endpoints; only headless services get per-pod names', () => {
  const records = nameRecords([headless, plain], endpoints);
  expect(records.map((r) => [r.fqdn, r.ips])).toEqual([
    ['web.ns1.svc.cluster.local', ['10.244.1.2', '10.244.1.3']],
    ['web-0.web.ns1.svc.cluster.local', ['10.244.1.2']],
    ['web-1.web.ns1.svc.cluster.local', ['10.244.1.3']],
    ['api.ns1.svc.cluster.local', ['10.244.1.9']],
  ]);
});

test('hosts file: own names, short forms only for the pod namespace, one line per address', () => {
  const records = nameRecords([headless], endpoints);
  const pod: V1Pod = {
    metadata: { name: 'web-2', namespace: 'ns1' },
    spec: { hostname: 'web-2', subdomain: 'web', containers: [] },
  };
  const hosts = hostsFileFor(pod, '10.244.1.4', records).split('\n');
  expect(hosts).toContain('10.244.1.4\tweb-2.web.ns1.svc.cluster.local\tweb-2.web\tweb-2');
  expect(hosts).toContain('10.244.1.2\tweb.ns1.svc.cluster.local\tweb.ns1.svc\tweb.ns1\tweb');
  expect(hosts).toContain('10.244.1.3\tweb.ns1.svc.cluster.local\tweb.ns1.svc\tweb.ns1\tweb');
  const other: V1Pod = { metadata: { name: 'client', namespace: 'ns2' }, spec: { containers: [] } };
  const otherHosts = hostsFileFor(other, '10.244.1.8', records).split('\n');
  expect(otherHosts).toContain(
    '10.244.1.2\tweb-0.web.ns1.svc.cluster.local\tweb-0.web.ns1.svc\tweb-0.web.ns1'
  );
  expect(otherHosts.some((l) => l.endsWith('\tweb'))).toBe(false);
});
