/**
 * Status lines for time-out errors that stay short however large the cluster is: the
 * first few items in full, then the rest as counts by state. A 100-node, 1,000-shard
 * cluster used to put about 20 KB into one error message.
 */

/** Items shown in full before the rest is counted. */
export const STATUS_ITEMS_SHOWN = 5;

export interface StatusItem {
  /** The item in full, e.g. "node-3 running/member" or "shard-7 leader node-2". */
  readonly text: string;
  /** What the counts group by, e.g. "running/member" or "no leader". */
  readonly state: string;
}

/**
 * "a, b, c, d, e and 95 more (90 running/member, 5 crashed)". Items whose state is listed
 * in `always` (the unusual ones, such as shards without a leader) are shown first, so
 * the line names what is wrong even when it is far down the list.
 */
export function summarizeItems(items: readonly StatusItem[], always: readonly string[] = [], shown = STATUS_ITEMS_SHOWN): string {
  if (!(shown >= 1)) throw new RangeError(`at least one item must be shown, got ${shown}`);
  if (items.length <= shown) return items.map((item) => item.text).join(', ');
  const unusual = items.filter((item) => always.includes(item.state));
  const usual = items.filter((item) => !always.includes(item.state));
  const head = [...unusual, ...usual].slice(0, shown);
  const counts = new Map<string, number>();
  for (const item of items) counts.set(item.state, (counts.get(item.state) ?? 0) + 1);
  const tally = [...counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).map(([state, count]) => `${count} ${state}`).join(', ');
  return `${head.map((item) => item.text).join(', ')} and ${items.length - head.length} more (of ${items.length}: ${tally})`;
}
