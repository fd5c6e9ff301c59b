import { hashSlotCount, slotForKey } from '../sharding/slots';
import { QueryError } from './errors';
import { columnIndex, type Row, type TableSchema } from './schema';
import type { Value } from './values';

/**
 * Where rows live in the key-value store. A distributed row's key carries its
 * distribution value as a hash tag, `t/<table>/{<value>}/<primary key>`: only the tag is
 * hashed (src/sharding/slots.ts), so the row sits in the slot of its distribution value
 * and moves with that slot. A reference table keeps one copy per shard, under
 * `r/<table>/{<tag>}/<primary key>` with a tag chosen to hash into a slot that shard owns.
 * Values are rows as JSON arrays in column order.
 */

export function tablePrefix(table: TableSchema): string {
  return `${table.kind === 'reference' ? 'r' : 't'}/${table.name}/`;
}

/** A value as it appears inside a key: typed, and with the key's delimiters escaped. */
export function encodeKeyValue(value: Value): string {
  if (value === null) throw new QueryError('data', 'a key value cannot be NULL');
  if (typeof value === 'number') return `i${value}`;
  if (typeof value === 'boolean') return value ? 'b1' : 'b0';
  return `s${value.replace(/[%{}/]/g, (char) => `%${char.charCodeAt(0).toString(16).padStart(2, '0')}`)}`;
}

/** The slot rows with this distribution value live in. */
export function slotOfValue(value: Value): number {
  return slotForKey(`{${encodeKeyValue(value)}}`);
}

export function primaryKeyPart(table: TableSchema, row: Row): string {
  return table.primaryKey.map((column) => encodeKeyValue(row[columnIndex(table, column)])).join('/');
}

export function distributedRowKey(table: TableSchema, row: Row): string {
  if (table.distributionColumn === null) throw new QueryError('data', `${table.name} is a reference table`);
  return `${tablePrefix(table)}{${encodeKeyValue(row[columnIndex(table, table.distributionColumn)])}}/${primaryKeyPart(table, row)}`;
}

/** The key of a reference row's copy kept in `slot` (one copy per shard, in a slot the shard owns). */
export function referenceRowKey(table: TableSchema, row: Row, slot: number): string {
  return `${referenceCopyPrefix(table, slot)}${primaryKeyPart(table, row)}`;
}

export function referenceCopyPrefix(table: TableSchema, slot: number): string {
  return `${tablePrefix(table)}{${referenceTag(slot)}}/`;
}

/** The slot of a stored key (its hash tag decides). */
export function slotOfKey(key: string): number {
  return slotForKey(key);
}

let tags: string[] | undefined;

/** A short tag that hashes into `slot`: found once by trying `c0`, `c1`, … until every slot has one. */
export function referenceTag(slot: number): string {
  if (tags === undefined) {
    const found: (string | undefined)[] = new Array(hashSlotCount).fill(undefined);
    let missing = hashSlotCount;
    // About n·ln n ≈ 7,100 tries cover 1,024 slots; the bound only guards against a broken hash.
    for (let attempt = 0; missing > 0 && attempt < 1_000_000; attempt++) {
      const tag = `c${attempt}`;
      const target = slotForKey(`{${tag}}`);
      if (found[target] === undefined) {
        found[target] = tag;
        missing--;
      }
    }
    if (missing > 0) throw new Error(`no reference tag found for ${missing} slots`);
    tags = found as string[];
  }
  return tags[slot];
}

export function encodeRow(row: Row): string {
  return JSON.stringify(row);
}

export function decodeRow(text: string, table: TableSchema): Row {
  const row = JSON.parse(text) as unknown;
  if (!Array.isArray(row) || row.length !== table.columns.length) throw new QueryError('data', `a stored row of ${table.name} does not match its schema: ${text.slice(0, 80)}`);
  return row as Row;
}
