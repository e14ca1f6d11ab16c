import type { V1Container, V1Pod } from '@kubernetes/client-node';
import { containerEnv, expandVars } from '../kubelet/env.js';
import { PodSetupError } from '../kubelet/errors.js';
import { defaultImageTable, imageName, resolveImage } from '../kubelet/image-table.js';
import { UnknownImageError } from '../kubelet/errors.js';

const pod: V1Pod = {
  metadata: { name: 'p', namespace: 'n', uid: 'u1', labels: { app: 'a' } },
  spec: { nodeName: 'node-1', containers: [] },
};
const sources = {
  pod,
  podIp: '10.244.1.2',
  hostIp: '10.244.1.1',
  configMap: async (_ns: string, name: string) =>
    name === 'cm' ? { k: 'v', other: 'o' } : undefined,
  secret: async (_ns: string, name: string) => (name === 's' ? { pw: 'secret' } : undefined),
};

test('env: downward API, ConfigMap/Secret refs, envFrom with prefix and $(VAR) expansion', async () => {
  const c: V1Container = {
    name: 'c',
    envFrom: [{ configMapRef: { name: 'cm' }, prefix: 'CM_' }],
    env: [
      { name: 'NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
      { name: 'NS', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
      { name: 'IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
      { name: 'NODE', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } },
      { name: 'APP', valueFrom: { fieldRef: { fieldPath: "metadata.labels['app']" } } },
      { name: 'K', valueFrom: { configMapKeyRef: { name: 'cm', key: 'k' } } },
      { name: 'PW', valueFrom: { secretKeyRef: { name: 's', key: 'pw' } } },
      { name: 'URL', value: 'http://$(IP):80/$(NOPE)/$$(IP)' },
    ],
  };
  expect(await containerEnv(c, sources)).toEqual({
    CM_k: 'v',
    CM_other: 'o',
    NAME: 'p',
    NS: 'n',
    IP: '10.244.1.2',
    NODE: 'node-1',
    APP: 'a',
    K: 'v',
    PW: 'secret',
    URL: 'http://10.244.1.2:80/$(NOPE)/$(IP)',
  });
});

test('env: a missing required key is a CreateContainerConfigError; an optional one is skipped', async () => {
  const missing: V1Container = {
    name: 'c',
    env: [{ name: 'X', valueFrom: { secretKeyRef: { name: 'gone', key: 'k' } } }],
  };
  await expect(containerEnv(missing, sources)).rejects.toThrow(PodSetupError);
  await expect(containerEnv(missing, sources)).rejects.toThrow(/secret "gone"/);
  const optional: V1Container = {
    name: 'c',
    env: [
      { name: 'X', valueFrom: { configMapKeyRef: { name: 'cm', key: 'absent', optional: true } } },
    ],
  };
  expect(await containerEnv(optional, sources)).toEqual({});
});

test('expandVars leaves unknown references and unescapes $$', () => {
  expect(expandVars('$(A)-$(B)-$$(A)', { A: '1' })).toBe('1-$(B)-$(A)');
});

test('image table: known images by last path segment, unknown ones undefined', () => {
  const table = defaultImageTable('/repo');
  expect(imageName('ghcr.io/x/broker-node:1.2')).toBe('ghcr.io/x/broker-node');
  expect(imageName('localhost:5000/testapp@sha256:abc')).toBe('localhost:5000/testapp');
  expect(table('ghcr.io/x/broker-node:1.2')?.entrypoint.at(-1)).toBe(
    '/repo/dist/node/src/bin/broker-node.js'
  );
  expect(table('brokercluster-testapp:latest')?.entrypoint.at(-1)).toBe(
    '/repo/test/k8s/testapp/testapp.ts'
  );
  expect(table('nginx:1')).toBeUndefined();
});

test('an image whose program is not built fails with reason ImageNotBuilt and says how to build it', () => {
  const table = defaultImageTable('/nonexistent-repo');
  expect(() => resolveImage(table, 'broker-node:1')).toThrow(/does not exist: run 'make build'/);
  try {
    resolveImage(table, 'broker-node:1');
  } catch (err) {
    expect(err).toBeInstanceOf(UnknownImageError);
    expect((err as UnknownImageError).reason).toBe('ImageNotBuilt');
  }
  expect(() => resolveImage(table, 'nginx:1')).toThrow(/not in the test kubelet's image table/);
});
