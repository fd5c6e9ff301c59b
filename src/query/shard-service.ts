import type { ShardStateMachine } from '../replica/shard-state-machine';
import type { NodeService } from '../runtime/node-runtime';
import type { Message, NodeEnv, NodeId } from '../runtime/ports';
import type { RaftGroupHost } from '../runtime/raft-host';
import { findShard, type Shard, type ShardMap } from '../sharding/shard-map';
import { asQueryError } from './index';
import { type Fragment, type FragmentStats, type FragmentTable, runFragment } from './fragment';
import { type FragmentReply, type FragmentRequest, type FragmentResponse, fragmentResponseType, isFragmentRequest } from './protocol';
import { referenceTag, slotOfKey } from './row-keys';
import type { Row } from './schema';

/**
 * The shard side of a query (namespace `query`), on every server node: a leader runs a
 * fragment over its own rows and answers with the result rows.
 *
 * It answers only as the leader, after a ReadIndex round (so its state includes every
 * committed write, its scan locks included), only for the shard map epoch the query was
 * planned with, and only while the query holds its scan locks here. Under those locks no
 * transaction can be writing the rows read (src/txn/participant-state.ts). Rows are
 * filtered to the slots this shard owns at that epoch, so a slot's rows being copied
 * elsewhere during a move are never counted twice.
 */
export interface QueryShardDeps {
  group(shardId: string): RaftGroupHost | undefined;
  machine(shardId: string): ShardStateMachine | undefined;
  shardMap(): ShardMap;
}

export class QueryShardService implements NodeService {
  constructor(
    private readonly env: Pick<NodeEnv, 'network' | 'trace'>,
    private readonly deps: QueryShardDeps,
  ) {}

  onMessage(from: NodeId, message: Message): void {
    if (isFragmentRequest(message)) this.onFragment(from, message);
  }

  private onFragment(from: NodeId, request: FragmentRequest): void {
    const reply = (answer: FragmentReply): void => {
      const response: FragmentResponse = { type: fragmentResponseType, requestId: request.requestId, reply: answer };
      this.env.network.send(from, response);
    };
    const group = this.deps.group(request.shardId);
    if (group === undefined || this.deps.machine(request.shardId) === undefined) return reply({ status: 'wrong-shard' });
    const status = group.status();
    if (status.role !== 'leader') return reply({ status: 'not-leader', leaderHint: status.leader });
    group.readBarrier((outcome) => {
      if (!outcome.ok) return reply({ status: 'not-leader', leaderHint: outcome.leaderHint });
      reply(this.answer(request));
    });
  }

  private answer(request: FragmentRequest): FragmentReply {
    const map = this.deps.shardMap();
    if (map.epoch !== request.epoch) return { status: 'wrong-epoch', currentEpoch: map.epoch };
    const shard = findShard(map, request.shardId);
    const machine = this.deps.machine(request.shardId);
    if (shard === undefined || machine === undefined) return { status: 'wrong-shard' };
    for (const table of request.fragment.tables) {
      if (!machine.transactions.holdsScan(request.queryId, table.prefix)) {
        return { status: 'not-locked', reason: `query ${request.queryId} holds no scan lock on ${table.name} at ${request.shardId}` };
      }
    }
    try {
      const stats: FragmentStats = { rowsRead: 0, rowsMatched: 0 };
      const tableRows = request.fragment.tables.map((table) => readTable(machine, shard, table));
      const rows = runFragment(request.fragment, tableRows, stats);
      return { status: 'ok', rows, rowsRead: request.fragment.mode === 'scan' ? rows.length : stats.rowsRead };
    } catch (error) {
      return { status: 'failed', reason: `${request.shardId}: ${asQueryError(error).message}` };
    }
  }
}

/** A table's rows on this shard: distributed rows of the slots it owns, or its copy of a reference table. */
function readTable(machine: ShardStateMachine, shard: Shard, table: FragmentTable): Row[] {
  const rows: Row[] = [];
  if (table.kind === 'reference') {
    // The copy kept in the shard's first slot (placed there when the rows were inserted).
    const prefix = `${table.prefix}{${referenceTag(shard.slots[0].start)}}/`;
    for (const [, value] of machine.scan(prefix)) rows.push(decode(value, table));
    if (rows.length < (table.minimumRows ?? 0)) {
      throw new Error(`its copy of the reference table ${table.name} holds ${rows.length} of at least ${table.minimumRows} rows (the copy lives in slot ${shard.slots[0].start}, the first slot ${shard.id} owns; copies made before slots moved must be placed again)`);
    }
    return rows;
  }
  const owned = ownedSlots(shard);
  for (const [key, value] of machine.scan(table.prefix)) if (owned[slotOfKey(key)]) rows.push(decode(value, table));
  return rows;
}

function ownedSlots(shard: Shard): boolean[] {
  const owned: boolean[] = [];
  for (const range of shard.slots) for (let slot = range.start; slot < range.endExclusive; slot++) owned[slot] = true;
  return owned;
}

function decode(value: string, table: FragmentTable): Row {
  const row = JSON.parse(value) as unknown;
  if (!Array.isArray(row) || row.length !== table.columnCount) throw new Error(`a stored row of ${table.name} does not match its schema: ${value.slice(0, 80)}`);
  return row as Row;
}

export type { Fragment };
