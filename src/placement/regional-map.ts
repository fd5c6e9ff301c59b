import type { NodeId } from '../runtime/ports';
import { createShardMap, hashSlotCount, type ShardMap, slotForKey, type SlotRange } from '../sharding/shard-map';
import { placeVoters, type SitedNode, type TableLocality } from './survival';

/**
 * A regional store's first map: one shard (one Raft group) per table, placed by its
 * survival goal (survival.ts). A table's rows are keys with the table's name as their hash
 * tag (`{orders}/42`), so every row of a table hashes to the table's slot; the table's shard
 * owns the slots from its own up to the next table's. Keys outside any table (no tag) land
 * in whichever table's shard owns their slot and take that table's goal.
 */

/** The key of a table's row: the table is the hash tag, so every row lands on its shard. */
export function tableKey(table: string, key: string): string {
  return `{${table}}/${key}`;
}

/** The table a key belongs to, if it is a table row. */
export function tableOfKey(key: string): string | undefined {
  const match = /^\{([^{}]+)\}\//.exec(key);
  return match === null ? undefined : match[1];
}

export function shardIdOfTable(table: string): string {
  return `table-${table}`;
}

export interface RegionalMapOptions {
  /** Regions nearest first, seen from each home region (for the voters outside it). */
  readonly regionOrder?: (homeRegion: string) => readonly string[];
}

/** Refuses a bad table list naming the table; otherwise places every table's voters and leader. */
export function planRegionalMap(tables: readonly TableLocality[], nodes: readonly SitedNode[], options: RegionalMapOptions = {}): ShardMap {
  validateTables(tables);
  const replicas = new Map<NodeId, number>();
  const leaders = new Map<NodeId, number>();
  const placed = tables.map((table) => {
    const placement = placeVoters(table, nodes, { replicas: (node) => replicas.get(node) ?? 0, leaders: (node) => leaders.get(node) ?? 0, regionOrder: options.regionOrder?.(table.homeRegion) });
    for (const node of placement.voters) replicas.set(node, (replicas.get(node) ?? 0) + 1);
    leaders.set(placement.preferredLeader, (leaders.get(placement.preferredLeader) ?? 0) + 1);
    return { table, placement };
  });
  const slots = slotRangesOfTables(tables.map((table) => table.table));
  return createShardMap(
    1,
    placed.map(({ table, placement }) => ({ id: shardIdOfTable(table.table), slots: slots.get(table.table)!, replicas: placement.voters, preferredLeader: placement.preferredLeader })),
  );
}

/** Each table owns the slots from its own up to the next table's; the last wraps around to slot 0. */
export function slotRangesOfTables(tables: readonly string[]): Map<string, SlotRange[]> {
  const bySlot = tables.map((table) => ({ table, slot: slotForKey(tableKey(table, '')) })).sort((left, right) => left.slot - right.slot);
  for (let index = 1; index < bySlot.length; index++) {
    if (bySlot[index].slot === bySlot[index - 1].slot) throw new Error(`tables ${bySlot[index - 1].table} and ${bySlot[index].table} hash to the same slot ${bySlot[index].slot}; rename one of them`);
  }
  const ranges = new Map<string, SlotRange[]>();
  bySlot.forEach(({ table, slot }, index) => {
    const next = index + 1 < bySlot.length ? bySlot[index + 1].slot : hashSlotCount;
    const own: SlotRange[] = [{ start: slot, endExclusive: next }];
    if (index === bySlot.length - 1 && bySlot[0].slot > 0) own.unshift({ start: 0, endExclusive: bySlot[0].slot });
    ranges.set(table, own);
  });
  return ranges;
}

function validateTables(tables: readonly TableLocality[]): void {
  if (tables.length === 0) throw new Error('a regional store needs at least one table');
  const names = new Set<string>();
  for (const table of tables) {
    if (!/^[a-z][a-z0-9_]*$/.test(table.table)) throw new Error(`table name ${JSON.stringify(table.table)} must be lower case letters, digits and _ , starting with a letter`);
    if (names.has(table.table)) throw new Error(`table ${table.table} is listed twice`);
    names.add(table.table);
  }
}
