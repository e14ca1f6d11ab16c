import dgram from 'node:dgram';
import net from 'node:net';
import {
  buildResponse,
  CLASS_IN,
  parseQuery,
  RCODE_FORMERR,
  RCODE_NOTIMP,
  RCODE_NXDOMAIN,
  RCODE_OK,
  TYPE_A,
  TYPE_SRV,
  type DnsAnswer,
  type DnsQuery,
} from './dns-codec.js';
import type { NameRecord, SrvRecord } from './names.js';

/** Records change with every Endpoints update: clients must not cache them for long. */
const TTL_SECONDS = 5;
/** Bound on bytes buffered per TCP connection (one query is at most 64 KiB + 2). */
const MAX_TCP_BUFFER = 65_537;
const TCP_IDLE_MS = 10_000;

/**
 * The cluster DNS of the test environment, for programs that query DNS directly
 * (`dns.resolve*`, SRV lookups): A records of Services and headless-Service pods, SRV
 * records of named ports, served on the pod bridge address, port 53, over UDP and TCP.
 * It is authoritative for everything and never forwards: any other name is NXDOMAIN.
 */
export class ClusterDns {
  private a = new Map<string, readonly string[]>();
  private srv = new Map<string, SrvRecord['targets']>();
  private readonly sockets = new Set<net.Socket>();

  private constructor(
    private readonly udp: dgram.Socket,
    private readonly tcp: net.Server,
    private readonly log: (message: string) => void
  ) {}

  static async start(address: string, log: (message: string) => void): Promise<ClusterDns> {
    const udp = dgram.createSocket('udp4');
    const tcp = net.createServer();
    const dns = new ClusterDns(udp, tcp, log);
    udp.on('message', (msg, rinfo) => {
      const reply = dns.respond(msg, 512);
      if (reply !== undefined) udp.send(reply, rinfo.port, rinfo.address);
    });
    udp.on('error', (err) => log(`dns udp error: ${err.message}`));
    tcp.on('connection', (sock) => dns.serveTcp(sock));
    await new Promise<void>((resolve, reject) => {
      udp.once('error', reject);
      udp.bind({ address, port: 53 }, () => {
        udp.off('error', reject);
        resolve();
      });
    });
    await new Promise<void>((resolve, reject) => {
      tcp.once('error', reject);
      tcp.listen({ host: address, port: 53 }, () => {
        tcp.off('error', reject);
        resolve();
      });
    });
    return dns;
  }

  /** Replaces the served records. */
  update(records: readonly NameRecord[], srv: readonly SrvRecord[]): void {
    this.a = new Map(records.map((r) => [r.fqdn, r.ips]));
    this.srv = new Map(srv.map((r) => [r.fqdn, r.targets]));
  }

  /** The answer to one question, as the server gives it. */
  answer(name: string, type: number): { rcode: number; answers: DnsAnswer[] } {
    const ips = this.a.get(name);
    const targets = this.srv.get(name);
    if (ips === undefined && targets === undefined) return { rcode: RCODE_NXDOMAIN, answers: [] };
    if (type === TYPE_A && ips !== undefined) {
      return {
        rcode: RCODE_OK,
        answers: ips.map((ip) => ({ name, type: TYPE_A, ttl: TTL_SECONDS, ip })),
      };
    }
    if (type === TYPE_SRV && targets !== undefined) {
      return {
        rcode: RCODE_OK,
        answers: targets.map((t) => ({
          name,
          type: TYPE_SRV,
          ttl: TTL_SECONDS,
          priority: 0,
          weight: Math.floor(100 / targets.length),
          port: t.port,
          target: t.target,
        })),
      };
    }
    return { rcode: RCODE_OK, answers: [] }; // the name exists, not with this type
  }

  /** Response bytes for a query message, or undefined when it cannot even be answered. */
  respond(msg: Buffer, maxBytes: number): Buffer | undefined {
    let query: DnsQuery;
    try {
      query = parseQuery(msg);
    } catch (err) {
      this.log(`dns: malformed query dropped: ${(err as Error).message}`);
      if (msg.length < 12 || (msg.readUInt16BE(2) & 0x8000) !== 0) return undefined;
      return buildResponse(
        { id: msg.readUInt16BE(0), recursionDesired: false, opcode: 0, questions: [] },
        RCODE_FORMERR,
        []
      );
    }
    const q = query.questions[0];
    if (
      query.opcode !== 0 ||
      query.questions.length !== 1 ||
      q === undefined ||
      q.cls !== CLASS_IN
    ) {
      return buildResponse(query, RCODE_NOTIMP, []);
    }
    const { rcode, answers } = this.answer(q.name, q.type);
    return buildResponse(query, rcode, answers, maxBytes);
  }

  private serveTcp(sock: net.Socket): void {
    let buffered = Buffer.alloc(0);
    this.sockets.add(sock);
    sock.on('close', () => this.sockets.delete(sock));
    sock.setTimeout(TCP_IDLE_MS, () => sock.destroy());
    sock.on('error', () => sock.destroy());
    sock.on('data', (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      if (buffered.length > MAX_TCP_BUFFER) {
        sock.destroy();
        return;
      }
      while (buffered.length >= 2) {
        const len = buffered.readUInt16BE(0);
        if (buffered.length < 2 + len) break;
        const reply = this.respond(buffered.subarray(2, 2 + len), 65535);
        buffered = buffered.subarray(2 + len);
        if (reply !== undefined) {
          const prefix = Buffer.alloc(2);
          prefix.writeUInt16BE(reply.length, 0);
          sock.write(Buffer.concat([prefix, reply]));
        }
      }
    });
  }

  async stop(): Promise<void> {
    for (const sock of this.sockets) sock.destroy();
    await new Promise<void>((resolve) => this.udp.close(() => resolve()));
    await new Promise<void>((resolve) => this.tcp.close(() => resolve()));
  }
}
