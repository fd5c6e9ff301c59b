/** Each object's JSON length, by object: only for values that never change once made. */
const knownLengths = new WeakMap<object, number>();

/**
 * `JSON.stringify(items).length` for a list of immutable items (Raft log entries, say:
 * src/raft/types.ts), without writing the whole list out again each time it is measured:
 * the brackets, the commas, and each item's length, remembered per item. The elastic
 * cluster measures every node's Raft logs at every monitor sample; stringifying them was
 * about a tenth of a real-cluster scenario's CPU.
 */
export function jsonLengthOfImmutableItems(items: readonly unknown[]): number {
  if (items.length === 0) return 2;
  let length = 1 + items.length;
  for (const item of items) {
    if (typeof item !== 'object' || item === null) {
      // Inside an array, JSON writes undefined (and functions) as null.
      length += (JSON.stringify(item) ?? 'null').length;
      continue;
    }
    let known = knownLengths.get(item);
    if (known === undefined) {
      known = JSON.stringify(item).length;
      knownLengths.set(item, known);
    }
    length += known;
  }
  return length;
}
