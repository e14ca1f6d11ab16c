import { type Socket, createSocket } from 'node:dgram';

/** SRV answers by query name (lower case). */
export type SrvZone = Map<string, Array<{ target: string; port: number }>>;

function encodeName(name: string): Buffer {
  const parts = name.split('.').filter((p) => p.length > 0);
  return Buffer.concat([
    ...parts.map((p) => Buffer.concat([Buffer.from([p.length]), Buffer.from(p)])),
    Buffer.from([0]),
  ]);
}

/**
 * A tiny UDP DNS server on 127.0.0.1 that answers SRV queries from `zone` and NXDOMAIN
 * otherwise: enough to test `--peers-dns` discovery without touching the system resolver.
 */
export async function startDnsServer(
  zone: SrvZone
): Promise<{ address: string; close(): Promise<void> }> {
  const sock: Socket = createSocket('udp4');
  sock.on('message', (msg, rinfo) => {
    if (msg.length < 12) return;
    // Question: name labels from offset 12, then type and class.
    let off = 12;
    const labels: string[] = [];
    while (off < msg.length && msg[off] !== 0) {
      const len = msg[off]!;
      labels.push(msg.subarray(off + 1, off + 1 + len).toString());
      off += 1 + len;
    }
    off += 1;
    const qtype = msg.readUInt16BE(off);
    const question = msg.subarray(12, off + 4);
    const records = qtype === 33 ? (zone.get(labels.join('.').toLowerCase()) ?? []) : [];
    const header = Buffer.alloc(12);
    msg.copy(header, 0, 0, 2);
    header.writeUInt16BE(0x8180 | (records.length === 0 ? 3 : 0), 2);
    header.writeUInt16BE(1, 4);
    header.writeUInt16BE(records.length, 6);
    const answers = records.map((r) => {
      const target = encodeName(r.target);
      const rdata = Buffer.alloc(6);
      rdata.writeUInt16BE(0, 0);
      rdata.writeUInt16BE(1, 2);
      rdata.writeUInt16BE(r.port, 4);
      const fixed = Buffer.alloc(10);
      fixed.writeUInt16BE(33, 0);
      fixed.writeUInt16BE(1, 2);
      fixed.writeUInt32BE(1, 4);
      fixed.writeUInt16BE(rdata.length + target.length, 8);
      return Buffer.concat([Buffer.from([0xc0, 0x0c]), fixed, rdata, target]);
    });
    sock.send(Buffer.concat([header, question, ...answers]), rinfo.port, rinfo.address);
  });
  await new Promise<void>((resolve) => sock.bind(0, '127.0.0.1', resolve));
  return {
    address: `127.0.0.1:${sock.address().port}`,
    close: () => new Promise((resolve) => sock.close(() => resolve())),
  };
}
