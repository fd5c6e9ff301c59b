import type { ShardStateMachine } from '../replica/shard-state-machine';
import type { NodeService } from '../runtime/node-runtime';
import type { Message, NodeEnv, NodeId } from '../runtime/ports';
import type { RaftGroupHost } from '../runtime/raft-host';
import type { ShardMap } from '../sharding/shard-map';
import { type SlotRange, slotsOf } from '../sharding/slots';
import { scanLockKey } from '../txn/types';
import { asQueryError } from './index';
import { type Fragment, type FragmentStats, type FragmentTable, runFragment } from './fragment';
import { type FragmentReply, type FragmentRequest, type FragmentResponse, fragmentResponseType, isFragmentRequest } from './protocol';
import { slotOfKey } from './row-keys';
import type { Row } from './schema';

/**
 * The shard side of a query (namespace `query`), on every server node: a leader runs a
 * fragment over its own rows and answers with the result rows.
 *
 * It answers only as the leader, after a ReadIndex round (so its state includes every
 * committed write, its scan locks included), only while the query holds its scan locks
 * here, and only when the shard's own slot fence (its replicated state, src/kv/slot-fence.ts)
 * serves every slot the query asks it to read. Under those locks no transaction writes
 * the rows read (src/txn/participant-state.ts), and no slot move lets go of their slots
 * (a scan lock keeps its slots, `TxnParticipantState.lockIn`). Only rows of the slots
 * asked for are read, so a copy of a slot being moved in, or left behind after a move,
 * is never counted: each slot is read at the one shard that serves it. Nothing here
 * trusts a shard map: maps travel and go stale, the fence is decided by the log.
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
    const machine = this.deps.machine(request.shardId);
    if (machine === undefined) return { status: 'wrong-shard' };
    const tables = request.fragment.tables;
    if (!Array.isArray(tables) || request.tableSlots.length !== tables.length) return { status: 'failed', reason: `${request.shardId}: the request names slots for ${request.tableSlots.length} tables, its fragment reads ${Array.isArray(tables) ? tables.length : 'none'}` };
    for (const [index, table] of tables.entries()) {
      if (!machine.transactions.holdsScan(request.queryId, scanLockKey(table.prefix, request.tableSlots[index], request.locksWait))) {
        return { status: 'not-locked', reason: `query ${request.queryId} holds no scan lock on ${table.name} at ${request.shardId}` };
      }
    }
    const unserved = [...new Set(request.tableSlots.flatMap((ranges) => [...slotsOf(ranges)]))].filter((slot) => machine.fence.isReleased(slot) || machine.fence.isIncoming(slot));
    if (unserved.length > 0) return { status: 'moved', slots: unserved.sort((a, b) => a - b) };
    try {
      const stats: FragmentStats = { rowsRead: 0, rowsMatched: 0 };
      const tableRows = tables.map((table, index) => readTable(machine, request.shardId, table, request.tableSlots[index]));
      const rows = runFragment(request.fragment, tableRows, stats);
      return { status: 'ok', rows, rowsRead: request.fragment.mode === 'scan' ? rows.length : stats.rowsRead };
    } catch (error) {
      if (error instanceof NoCopyYet) return { status: 'no-copy', reason: error.message };
      return { status: 'failed', reason: `${request.shardId}: ${asQueryError(error).message}` };
    }
  }
}

/** A table's rows on this shard: distributed rows of the slots asked for, or one copy of a reference table. */
function readTable(machine: ShardStateMachine, shardId: string, table: FragmentTable, ranges: readonly SlotRange[]): Row[] {
  const asked: boolean[] = [];
  for (const slot of slotsOf(ranges)) asked[slot] = true;
  if (table.kind === 'reference') return readReferenceCopy(machine, shardId, table, asked);
  const rows: Row[] = [];
  for (const [key, value] of machine.scan(table.prefix)) if (asked[slotOfKey(key)]) rows.push(decode(value, table));
  return rows;
}

/**
 * The copy of a reference table in the lowest slot asked for that holds one. Every copy
 * is written by the same transactions (src/api/reference-copies.ts), so any served copy
 * is whole and equal to the others; a shard may hold several after slots moved in.
 */
function readReferenceCopy(machine: ShardStateMachine, shardId: string, table: FragmentTable, asked: readonly boolean[]): Row[] {
  const bySlot = new Map<number, Row[]>();
  for (const [key, value] of machine.scan(table.prefix)) {
    const slot = slotOfKey(key);
    if (!asked[slot]) continue;
    const rows = bySlot.get(slot) ?? [];
    rows.push(decode(value, table));
    bySlot.set(slot, rows);
  }
  const slots = [...bySlot.keys()].sort((a, b) => a - b);
  if (slots.length === 0 && (table.minimumRows ?? 0) > 0) throw new NoCopyYet(`${shardId} holds no copy of the reference table ${table.name} yet (its slots moved; a copy is being placed)`);
  const rows = slots.length === 0 ? [] : bySlot.get(slots[0])!;
  if (rows.length < (table.minimumRows ?? 0)) {
    throw new Error(`${shardId} holds no copy of the reference table ${table.name} with its ${table.minimumRows} rows (${slots.length === 0 ? 'no copy in any slot it serves' : `the copy in slot ${slots[0]} holds ${rows.length}`}); a copy is placed on every shard that owns slots`);
  }
  return rows;
}

/** A shard that owns slots but no copy of a reference table yet: the query tries again. */
class NoCopyYet extends Error {}

function decode(value: string, table: FragmentTable): Row {
  const row = JSON.parse(value) as unknown;
  if (!Array.isArray(row) || row.length !== table.columnCount) throw new Error(`a stored row of ${table.name} does not match its schema: ${value.slice(0, 80)}`);
  return row as Row;
}

export type { Fragment };
