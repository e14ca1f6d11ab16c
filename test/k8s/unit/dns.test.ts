import type { V1Endpoints, V1Service } from '@kubernetes/client-node';
import {
  buildResponse,
  DnsFormatError,
  parseQuery,
  RCODE_NXDOMAIN,
  TYPE_A,
  TYPE_SRV,
} from '../kubelet/dns-codec.js';
import { nameRecords, srvRecords } from '../kubelet/names.js';

function query(name: string, type: number, id = 0x1234): Buffer {
  const labels = name
    .split('.')
    .map((l) => Buffer.concat([Buffer.from([l.length]), Buffer.from(l)]));
  return Buffer.concat([
    Buffer.from([id >> 8, id & 0xff, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0]),
    ...labels,
    Buffer.from([0, type >> 8, type & 0xff, 0, 1]),
  ]);
}

const svc: V1Service = { metadata: { name: 'web', namespace: 'ns' }, spec: { clusterIP: 'None' } };
const ep: V1Endpoints = {
  metadata: { name: 'web', namespace: 'ns' },
  subsets: [
    {
      addresses: [
        { ip: '10.244.1.2', hostname: 'web-0' },
        { ip: '10.244.1.3', hostname: 'web-1' },
      ],
      ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
    },
  ],
};

test('parses a query, lower-casing the name; answers echo id and question', () => {
  const q = parseQuery(query('Web-0.WEB.ns.svc.cluster.local', TYPE_A));
  expect(q).toMatchObject({
    id: 0x1234,
    recursionDesired: true,
    questions: [{ name: 'web-0.web.ns.svc.cluster.local', type: TYPE_A, cls: 1 }],
  });
  const r = buildResponse(q, 0, [
    { name: 'web-0.web.ns.svc.cluster.local', type: TYPE_A, ttl: 5, ip: '10.244.1.2' },
  ]);
  expect(r.readUInt16BE(0)).toBe(0x1234);
  expect(r.readUInt16BE(2) & 0x8000).toBe(0x8000); // a response
  expect(r.readUInt16BE(6)).toBe(1); // one answer
  expect([...r.subarray(r.length - 4)]).toEqual([10, 244, 1, 2]);
});

test('malformed queries are refused with a named error, never a crash', () => {
  expect(() => parseQuery(Buffer.from([1, 2, 3]))).toThrow(DnsFormatError);
  const loop = Buffer.from([0, 1, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0xc0, 12, 0, 1, 0, 1]);
  expect(() => parseQuery(loop)).toThrow(/compression pointers/);
  const long = query('a.b', TYPE_A);
  expect(() => parseQuery(long.subarray(0, long.length - 3))).toThrow(/past the end/);
});

test('too many answers for UDP set the TC bit so the client retries over TCP', () => {
  const q = parseQuery(query('x.cluster.local', TYPE_A));
  const answers = Array.from(
    { length: 40 },
    (_, i) => ({ name: 'x.cluster.local', type: TYPE_A, ttl: 5, ip: `10.0.0.${i}` }) as const
  );
  const r = buildResponse(q, 0, answers, 512);
  expect(r.length).toBeLessThanOrEqual(512);
  expect(r.readUInt16BE(2) & 0x0200).toBe(0x0200);
  expect(buildResponse(q, RCODE_NXDOMAIN, []).readUInt16BE(2) & 0xf).toBe(RCODE_NXDOMAIN);
});

test('SRV records of a headless service list each pod with the endpoint port', () => {
  expect(srvRecords([svc], [ep])).toEqual([
    {
      fqdn: '_http._tcp.web.ns.svc.cluster.local',
      targets: [
        { target: 'web-0.web.ns.svc.cluster.local', port: 8080 },
        { target: 'web-1.web.ns.svc.cluster.local', port: 8080 },
      ],
    },
  ]);
  expect(nameRecords([svc], [ep]).map((r) => r.fqdn)).toContain('web-1.web.ns.svc.cluster.local');
  expect(TYPE_SRV).toBe(33);
});
