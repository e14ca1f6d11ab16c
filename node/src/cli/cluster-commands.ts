/** `brokerctl cluster ...`: the admin API (members, groups, stores) from the shell. */
import { type BrokerClient, validateAddress, validateMemberId } from '../client/index.js';
import type { FlagSpec, FlagValues } from '../config/index.js';
import { CliError, EXIT } from './exit-codes.js';
import { type CommandContext, storeCliError } from './store-commands.js';
import { drainText, groupsText, jsonText, membersText, placementText } from './store-output.js';

/** Flags of the cluster commands. */
export const CLUSTER_FLAGS: readonly FlagSpec[] = [
  {
    name: 'replication-factor',
    kind: 'int',
    min: 1,
    max: 255,
    help: 'cluster create-store: voting replicas (default: 3, or fewer when fewer members are active)',
  },
  {
    name: 'force',
    kind: 'bool',
    help: 'cluster remove: remove the member at once, even if it still holds replicas',
  },
];

const FLAG_SCOPE: Record<string, readonly string[]> = {
  'replication-factor': ['create-store'],
  force: ['remove'],
};

/** Rejects a cluster flag given to a command that does not take it. */
export function checkClusterFlags(
  command: string,
  sub: string | undefined,
  values: FlagValues
): void {
  for (const [flag, subs] of Object.entries(FLAG_SCOPE)) {
    if (!values.has(flag)) continue;
    if (command !== 'cluster' || sub === undefined || !subs.includes(sub))
      throw new CliError(
        `--${flag} applies to ${subs.map((s) => `cluster ${s}`).join(', ')} only`,
        EXIT.usage
      );
  }
}

export const CLUSTER_USAGE = `  cluster members                             the cluster map: members and store placement
  cluster add ID HOST:PORT                    add a member (joining; its replicas start as learners)
  cluster promote ID                          make a caught-up joining member active
  cluster remove ID [--force]                 remove a member (drained first, unless --force)
  cluster drain ID                            move every replica and leadership off a member
  cluster drain-status ID                     how far a drain has got
  cluster transfer GROUP [TO]                 move a group's leadership (GROUP: meta, a group id or a store)
  cluster status [GROUP]                      Raft state of every group (or one) on the node asked
  cluster create-store NAME [--replication-factor N]
  cluster delete-store NAME
  cluster snapshot GROUP                      snapshot a group on the node asked now`;

function arity(
  sub: string,
  args: readonly string[],
  min: number,
  max: number,
  shape: string
): void {
  if (args.length < min || args.length > max)
    throw new CliError(
      `cluster ${sub} takes ${shape}, got ${args.length} argument${args.length === 1 ? '' : 's'}`,
      EXIT.usage
    );
}

/** `brokerctl cluster SUBCOMMAND ...`; resolves with the exit code. */
export async function runClusterCommand(
  client: BrokerClient,
  args: readonly string[],
  ctx: CommandContext
): Promise<number> {
  const [sub, ...rest] = args;
  if (sub === undefined)
    throw new CliError(`cluster needs a subcommand\n${CLUSTER_USAGE}`, EXIT.usage);
  try {
    return await clusterSubcommand(client, sub, rest, ctx);
  } catch (e) {
    throw storeCliError(e);
  }
}

async function clusterSubcommand(
  client: BrokerClient,
  sub: string,
  args: readonly string[],
  ctx: CommandContext
): Promise<number> {
  const admin = client.admin;
  const o = { timeoutMs: ctx.timeoutMs };
  const out = (text: string): void => void ctx.stdout.write(text + '\n');
  // Arguments are checked before anything is sent, with the client library's own rules.
  const id = (text: string | undefined): string => validateMemberId(text);
  switch (sub) {
    case 'members': {
      arity(sub, args, 0, 0, 'no arguments');
      const m = await admin.clusterMap(o);
      out(ctx.json ? jsonText(m) : membersText(m));
      return EXIT.ok;
    }
    case 'add': {
      arity(sub, args, 2, 2, 'ID HOST:PORT');
      const m = await admin.addMember(id(args[0]), validateAddress(args[1]), o);
      out(ctx.json ? jsonText(m) : membersText(m));
      return EXIT.ok;
    }
    case 'promote': {
      arity(sub, args, 1, 1, 'ID');
      const m = await admin.promoteMember(id(args[0]), o);
      out(ctx.json ? jsonText(m) : membersText(m));
      return EXIT.ok;
    }
    case 'remove': {
      arity(sub, args, 1, 1, 'ID');
      const m = await admin.removeMember(id(args[0]), {
        ...o,
        force: ctx.values.get('force') === true,
      });
      out(ctx.json ? jsonText(m) : membersText(m));
      return EXIT.ok;
    }
    case 'drain':
    case 'drain-status': {
      arity(sub, args, 1, 1, 'ID');
      const d =
        sub === 'drain'
          ? await admin.drainMember(id(args[0]), o)
          : await admin.drainStatus(id(args[0]), o);
      out(ctx.json ? jsonText(d) : drainText(d));
      return EXIT.ok;
    }
    case 'transfer': {
      arity(sub, args, 1, 2, 'GROUP [TO]');
      const g = await admin.transferLeadership(args[0] as string, args[1], o);
      out(ctx.json ? jsonText(g) : groupsText(undefined, [g]));
      return EXIT.ok;
    }
    case 'status': {
      arity(sub, args, 0, 1, '[GROUP]');
      const r = await admin.groupStatus(args[0], o);
      out(ctx.json ? jsonText(r) : groupsText(r.member, r.groups));
      return EXIT.ok;
    }
    case 'create-store': {
      arity(sub, args, 1, 1, 'NAME');
      const rf = ctx.values.get('replication-factor') as number | undefined;
      const p = await admin.createStore(args[0] as string, {
        ...o,
        ...(rf !== undefined ? { replicationFactor: rf } : {}),
      });
      out(ctx.json ? jsonText(p) : placementText(p));
      return EXIT.ok;
    }
    case 'delete-store': {
      arity(sub, args, 1, 1, 'NAME');
      const m = await admin.deleteStore(args[0] as string, o);
      out(ctx.json ? jsonText(m) : `deleted store ${args[0]}`);
      return EXIT.ok;
    }
    case 'snapshot': {
      arity(sub, args, 1, 1, 'GROUP');
      const g = await admin.forceSnapshot(args[0] as string, o);
      out(ctx.json ? jsonText(g) : groupsText(undefined, [g]));
      return EXIT.ok;
    }
    default:
      throw new CliError(
        `unknown cluster subcommand ${JSON.stringify(sub)}\n${CLUSTER_USAGE}`,
        EXIT.usage
      );
  }
}
