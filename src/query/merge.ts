import { combine, type PartialState } from './expression';
import { compareRows, type Fragment, type FragmentSortKey, finishGroups, partialGroups, runFragment, topRows } from './fragment';
import type { DistributedPlan } from './planner';
import type { Row } from './schema';
import type { Value } from './values';

/**
 * The coordinator's half of a plan: merges what the shards sent into the final rows.
 * Sorted streams are merged with a binary heap (each shard's rows are already in order),
 * partial aggregates are combined per group and finished (AVG divides only here), and the
 * naive plan runs the whole query over the gathered rows.
 */
export function mergeShardResults(plan: DistributedPlan, perShard: readonly Value[][][]): Value[][] {
  const merged = mergeStep(plan, perShard);
  const sorted = plan.finalSort.length > 0 ? topRows(merged, plan.finalSort, null) : merged;
  const end = plan.limit === null ? sorted.length : plan.offset + plan.limit;
  return sorted.slice(plan.offset, end).map((row) => row.slice(0, plan.outputCount));
}

function mergeStep(plan: DistributedPlan, perShard: readonly Value[][][]): Value[][] {
  switch (plan.merge.kind) {
    case 'concatenate':
      return perShard.flat();
    case 'heap-merge':
      return heapMerge(perShard, plan.merge.sortKeys, plan.limit === null ? null : plan.offset + plan.limit);
    case 'aggregate':
      return combineGroups(plan, perShard);
    case 'run-locally':
      return runLocally(plan, perShard);
  }
}

function combineGroups(plan: DistributedPlan, perShard: readonly Value[][][]): Value[][] {
  const { query } = plan;
  const keyCount = query.groupBy.length;
  const groups = new Map<string, Value[]>();
  for (const rows of perShard) {
    for (const row of rows) {
      const id = JSON.stringify(row.slice(0, keyCount));
      const existing = groups.get(id);
      if (existing === undefined) {
        groups.set(id, [...row]);
        continue;
      }
      query.aggregates.forEach((call, index) => {
        existing[keyCount + index] = combine(call, existing[keyCount + index] as PartialState, row[keyCount + index] as PartialState) as Value;
      });
    }
  }
  // Without GROUP BY there is one group even when no shard was asked (no rows at all).
  const all = groups.size === 0 && keyCount === 0 ? partialGroups([], query.aggregates, []) : [...groups.values()];
  const project = [...query.outputs.map((output) => output.expr), ...query.orderBy.map((key) => key.expr)];
  return finishGroups(keyCount, query.aggregates, all, query.having, project);
}

/** The naive plan: shards sent [table index, …row]; run the complete query here. */
function runLocally(plan: DistributedPlan, perShard: readonly Value[][][]): Value[][] {
  const { query } = plan;
  const tableRows: Row[][] = query.tables.map(() => []);
  perShard.forEach((rows, shard) => {
    for (const row of rows) {
      const table = row[0] as number;
      // Every shard holds a copy of a reference table: take the first shard's only.
      if (query.tables[table].schema.kind === 'reference' && shard > 0) continue;
      tableRows[table].push(row.slice(1));
    }
  });
  const project = [...query.outputs.map((output) => output.expr), ...query.orderBy.map((key) => key.expr)];
  const sortKeys: FragmentSortKey[] = query.orderBy.map((key, index) => ({ index: query.outputs.length + index, descending: key.descending, nullsFirst: key.nullsFirst }));
  const whole: Fragment = { ...plan.fragment, mode: query.grouped ? 'complete' : 'rows', joinOn: query.joinOn, filter: query.where, groupBy: query.groupBy, aggregates: query.aggregates, having: query.having, project, sortKeys, limit: null };
  return runFragment(whole, tableRows);
}

/** k-way merge of sorted lists, stopping after `limit` rows when given. */
export function heapMerge(lists: readonly Value[][][], keys: readonly FragmentSortKey[], limit: number | null): Value[][] {
  // Heap entries are [list, position]; ties go to the lower list index, so the merge is deterministic.
  const heap: [number, number][] = [];
  const less = (a: [number, number], b: [number, number]): boolean => {
    const order = compareRows(lists[a[0]][a[1]], lists[b[0]][b[1]], keys);
    return order < 0 || (order === 0 && a[0] < b[0]);
  };
  const push = (entry: [number, number]): void => {
    heap.push(entry);
    for (let index = heap.length - 1; index > 0; ) {
      const parent = (index - 1) >> 1;
      if (!less(heap[index], heap[parent])) break;
      [heap[index], heap[parent]] = [heap[parent], heap[index]];
      index = parent;
    }
  };
  const pop = (): [number, number] => {
    const top = heap[0];
    const last = heap.pop()!;
    if (heap.length > 0) {
      heap[0] = last;
      for (let index = 0; ; ) {
        const left = 2 * index + 1;
        const right = left + 1;
        let smallest = index;
        if (left < heap.length && less(heap[left], heap[smallest])) smallest = left;
        if (right < heap.length && less(heap[right], heap[smallest])) smallest = right;
        if (smallest === index) break;
        [heap[index], heap[smallest]] = [heap[smallest], heap[index]];
        index = smallest;
      }
    }
    return top;
  };
  lists.forEach((list, index) => {
    if (list.length > 0) push([index, 0]);
  });
  const out: Value[][] = [];
  while (heap.length > 0 && (limit === null || out.length < limit)) {
    const [list, position] = pop();
    out.push(lists[list][position]);
    if (position + 1 < lists[list].length) push([list, position + 1]);
  }
  return out;
}
