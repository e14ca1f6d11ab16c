import { afterEach, describe, expect, it } from '@jest/globals';
import * as grpc from '@grpc/grpc-js';
import type { BrokerReplicationClient } from '../../node/src/gen/broker/v1/BrokerReplication.js';
import type {
  ReplicationFrame,
  ReplicationFrame__Output,
} from '../../node/src/gen/broker/v1/ReplicationFrame.js';
import type { RaftMessage } from '../../node/src/gen/broker/v1/RaftMessage.js';
import { proveStream } from '../../node/src/transport/peer-auth.js';
import { loadProtos } from '../../node/src/transport/proto.js';
import { TestCluster } from './helpers.js';

const G = 'kv-1';
const IDS = ['a', 'b', 'c'];

let cluster: TestCluster;
const clients: grpc.Client[] = [];

afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  await cluster?.shutdown();
});

async function startThree(): Promise<string> {
  cluster = new TestCluster();
  for (const id of IDS) await cluster.start(id);
  for (const id of IDS) cluster.open(id, G, { bootstrap: { voters: IDS } });
  return cluster.leaderOf(G);
}

function client(target: string): BrokerReplicationClient {
  const Ctor = loadProtos().broker.v1.BrokerReplication;
  const c = new Ctor(cluster.addresses.get(target) as string, grpc.credentials.createInsecure(), {
    'grpc.max_send_message_length': -1,
  }) as unknown as BrokerReplicationClient;
  clients.push(c);
  return c;
}

type Call = grpc.ClientDuplexStream<ReplicationFrame, ReplicationFrame__Output>;

/** Resolves with the call's final status (its error code, or OK). */
function finalStatus(call: Call): Promise<{ code: number; details: string }> {
  return new Promise((resolve) => {
    call.on('error', (e: grpc.ServiceError) => resolve({ code: e.code, details: e.details }));
    call.on('status', (s: grpc.StatusObject) => {
      if (s.code === grpc.status.OK) resolve({ code: s.code, details: s.details });
    });
    call.on('data', () => undefined);
  });
}

function firstFrame(call: Call): Promise<ReplicationFrame__Output> {
  return new Promise((resolve, reject) => {
    call.once('data', resolve);
    call.once('error', reject);
  });
}

/** A Raft stream to `target` proven as member `as` with `secret`. */
async function provenStream(target: string, as: string, secret: Uint8Array): Promise<Call> {
  const call = client(target).Raft();
  const ch = await firstFrame(call);
  expect(ch.body).toBe('challenge');
  const nonce = ch.challenge?.nonce as Buffer;
  call.write({
    proof: {
      peer_id: as,
      mac: proveStream(secret, nonce, as, target),
      protocol_version: 1,
      incarnation: '',
    },
  });
  return call;
}

function heartbeat(over: Partial<RaftMessage>): RaftMessage {
  return {
    group: G,
    type: 'RAFT_MESSAGE_TYPE_HEARTBEAT',
    from: 'a',
    to: 'b',
    term: 1,
    log_term: 0,
    index: 0,
    entries: [],
    commit: 0,
    reject: false,
    reject_hint: 0,
    ...over,
  };
}

describe('replication transport - authentication', () => {
  it('a stream proven with the wrong secret is closed with UNAUTHENTICATED', async () => {
    await startThree();
    const call = client('b').Raft();
    const status = finalStatus(call);
    const ch = await firstFrame(call);
    expect(ch.challenge?.server_id).toBe('b');
    const wrong = Buffer.alloc(32, 7);
    call.write({
      proof: {
        peer_id: 'a',
        mac: proveStream(wrong, ch.challenge?.nonce as Buffer, 'a', 'b'),
        protocol_version: 1,
        incarnation: '',
      },
    });
    const s = await status;
    expect(s.code).toBe(grpc.status.UNAUTHENTICATED);
    expect(s.details).toContain('does not prove peer a');
  });

  it('a first frame that is not a proof is refused with UNAUTHENTICATED', async () => {
    await startThree();
    const call = client('b').Raft();
    const status = finalStatus(call);
    await firstFrame(call);
    call.write({ batch: { messages: [heartbeat({})] } });
    expect((await status).code).toBe(grpc.status.UNAUTHENTICATED);
  });

  it('the snapshot stream refuses a wrong proof too', async () => {
    await startThree();
    const call = client('c').InstallSnapshot();
    const status = finalStatus(call);
    const ch = await firstFrame(call);
    call.write({
      proof: { peer_id: 'a', mac: Buffer.alloc(32), protocol_version: 1, incarnation: '' },
    });
    void ch;
    expect((await status).code).toBe(grpc.status.UNAUTHENTICATED);
  });
});

describe('replication transport - hostile input', () => {
  it('garbage bytes, absurd indexes, forged senders and huge batches are refused; the host keeps working', async () => {
    const leader = await startThree();
    const victim = IDS.find((x) => x !== leader) as string;
    const rec = cluster.member(victim).recorder;

    // Garbage bytes that are no ReplicationFrame: the call fails, nothing else does.
    const Raw = grpc.makeGenericClientConstructor(
      {
        Raft: {
          path: '/broker.v1.BrokerReplication/Raft',
          requestStream: true,
          responseStream: true,
          requestSerialize: (b: Buffer) => b,
          requestDeserialize: (b: Buffer) => b,
          responseSerialize: (b: Buffer) => b,
          responseDeserialize: (b: Buffer) => b,
        },
      },
      'Raw'
    );
    const raw = new Raw(cluster.addresses.get(victim) as string, grpc.credentials.createInsecure());
    clients.push(raw);
    const rawCall = (raw as unknown as { Raft(): Call }).Raft();
    const rawStatus = finalStatus(rawCall);
    (rawCall as unknown as grpc.ClientDuplexStream<Buffer, Buffer>).write(
      Buffer.from([0xff, 0xff, 0xff, 0x0f, 0x01, 0x02])
    );
    expect((await rawStatus).code).not.toBe(grpc.status.OK);

    // A proven stream (the test holds the secret) as a third member 'x' that is not the sender
    // it claims in the messages, then as the real peer with out-of-range numbers.
    const peer = IDS.find((x) => x !== leader && x !== victim) as string;
    const forged = await provenStream(victim, peer, cluster.secret);
    forged.write({ batch: { messages: [heartbeat({ from: leader, to: victim })] } });
    await cluster.waitFor(
      'the forged sender counted',
      () => (rec.drops.get('wrong-sender') ?? 0) >= 1
    );
    forged.write({
      batch: {
        messages: [
          heartbeat({ from: peer, to: victim, index: '18446744073709551615' }),
          heartbeat({ from: peer, to: victim, commit: '9007199254740993' }),
          heartbeat({
            from: peer,
            to: victim,
            type: 'NOT_A_TYPE' as unknown as 'RAFT_MESSAGE_TYPE_APPEND',
          }),
          heartbeat({ from: peer, to: victim, type: 'RAFT_MESSAGE_TYPE_SNAPSHOT' }),
        ],
      },
    });
    await cluster.waitFor(
      'four invalid messages counted',
      () => (rec.drops.get('invalid') ?? 0) >= 4
    );

    // Too many messages in one frame: the whole frame is dropped.
    const many = Array.from({ length: 16_385 }, () => heartbeat({ from: peer, to: victim }));
    forged.write({ batch: { messages: many } });
    await cluster.waitFor(
      'the oversized batch counted',
      () => (rec.drops.get('invalid') ?? 0) >= 4 + 16_385
    );

    // A frame above the server's message limit: gRPC refuses it.
    const big = await provenStream(victim, peer, cluster.secret);
    const bigStatus = finalStatus(big);
    big.write({
      batch: {
        messages: [
          heartbeat({
            from: peer,
            to: victim,
            type: 'RAFT_MESSAGE_TYPE_APPEND',
            entries: [
              {
                term: 1,
                index: 2,
                type: 'RAFT_ENTRY_TYPE_NORMAL',
                data: Buffer.alloc(10 * 1024 * 1024),
              },
            ],
          }),
        ],
      },
    });
    expect((await bigStatus).code).toBe(grpc.status.RESOURCE_EXHAUSTED);

    // The victim still replicates.
    const before = cluster.sm(victim, G).total;
    await cluster.write(G, { op: 'add', n: 3 });
    await cluster.waitFor(
      'the victim applied the write',
      () => cluster.sm(victim, G).total === before + 3
    );
    expect(cluster.member(victim).host.status(G).broken).toBe(false);
  });

  it('a message for a group the host does not run reaches onUnknownGroup', async () => {
    cluster = new TestCluster();
    const seen: { group: string; from: string }[] = [];
    await cluster.start('a');
    await cluster.start('b', {
      onUnknownGroup: (group, from) => {
        seen.push({ group, from });
        cluster.events.emit('change');
      },
    });
    const s = await provenStream('b', 'a', cluster.secret);
    s.write({ batch: { messages: [heartbeat({ group: 'nowhere', from: 'a/2', to: 'b/2' })] } });
    await cluster.waitFor('onUnknownGroup called', () => seen.length === 1);
    expect(seen[0]).toEqual({ group: 'nowhere', from: 'a/2' });
  });
});

describe('replication - broken replicas', () => {
  it('a follower whose log contradicts the leader is marked broken, rebuilt from a snapshot and converges', async () => {
    const leader = await startThree();
    for (let i = 0; i < 10; i++) await cluster.write(G, { op: 'add', n: 1 });
    const victim = IDS.find((x) => x !== leader) as string;
    await cluster.waitFor('victim at 10', () => cluster.sm(victim, G).total === 10);
    await cluster.member(leader).host.snapshotNow(G);
    const term = cluster.member(leader).host.status(G).term;
    // A heartbeat of the current leader and term whose commit index lies far beyond the
    // victim's log: Raft refuses it with an InvariantError (commit beyond the log).
    const s = await provenStream(victim, leader, cluster.secret);
    s.write({
      batch: { messages: [heartbeat({ from: leader, to: victim, term, commit: 1_000_000 })] },
    });
    const rec = cluster.member(victim).recorder;
    await cluster.waitFor('the victim reported broken', () => rec.broken.length === 1);
    expect(rec.broken[0]?.reason).toMatch(/commit/);
    await cluster.waitFor('the victim rebuilt', () => rec.rebuilt.length === 1);
    expect(cluster.sm(victim, G).restores.length).toBeGreaterThanOrEqual(1);
    await cluster.write(G, { op: 'add', n: 5 });
    await cluster.waitFor('all at 15', () => IDS.every((id) => cluster.sm(id, G).total === 15));
    expect(cluster.member(victim).host.status(G).broken).toBe(false);
    // Its rebuilt state is durable: a restart recovers it without the leader's help first.
    await cluster.stop(victim);
    await cluster.start(victim);
    const sm = cluster.open(victim, G);
    expect(sm.total).toBeGreaterThan(0);
    await cluster.waitFor('restarted victim at 15', () => sm.total === 15);
  });
});
