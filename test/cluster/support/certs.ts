import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Paths of a generated CA and a certificate it signed (SANs 127.0.0.1, localhost and the
 * peer id URI `broker-peer://<leaf name>`; server and client use).
 */
export interface CertSet {
  readonly ca: string;
  readonly cert: string;
  readonly key: string;
}

function openssl(dir: string, args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
}

/** A fresh CA named `name` in a new temp directory, with `leaves` certificates signed by it. */
export function makeCa(
  name: string,
  leaves: readonly string[]
): { dir: string; ca: string; leaf: Record<string, CertSet> } {
  const dir = mkdtempSync(join(tmpdir(), `broker-tls-${name}-`));
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  openssl(dir, [
    'req',
    '-x509',
    ...ec,
    '-keyout',
    'ca.key',
    '-out',
    'ca.pem',
    '-days',
    '2',
    '-subj',
    `/CN=${name}`,
  ]);
  const leaf: Record<string, CertSet> = {};
  for (const l of leaves) {
    writeFileSync(
      join(dir, `${l}.cnf`),
      `subjectAltName=IP:127.0.0.1,DNS:localhost,URI:broker-peer://${l}\nextendedKeyUsage=serverAuth,clientAuth\nbasicConstraints=CA:FALSE\n`
    );
    openssl(dir, ['req', ...ec, '-keyout', `${l}.key`, '-out', `${l}.csr`, '-subj', `/CN=${l}`]);
    openssl(dir, [
      'x509',
      '-req',
      '-in',
      `${l}.csr`,
      '-CA',
      'ca.pem',
      '-CAkey',
      'ca.key',
      '-CAcreateserial',
      '-out',
      `${l}.pem`,
      '-days',
      '2',
      '-extfile',
      `${l}.cnf`,
    ]);
    leaf[l] = { ca: join(dir, 'ca.pem'), cert: join(dir, `${l}.pem`), key: join(dir, `${l}.key`) };
  }
  return { dir, ca: join(dir, 'ca.pem'), leaf };
}
