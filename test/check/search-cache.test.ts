import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { OperationSet } from '../../src/check/linearizability/operation-set';
import { SearchCache, type MemoryBudget } from '../../src/check/linearizability/search-cache';

/**
 * The WGL search's configuration cache (Lowe, "Testing for linearizability", 2017, §3: the
 * cache of (linearized set, state) pairs already explored), driven through many doublings
 * of its storage and bucket table, and into its memory budget (issue 14 §5: every structure
 * the search grows is bounded).
 */

const OPERATIONS = 70; // three words a set

/** A seeded walk of (set, added operation, state) configurations, some of them repeated. */
function* configurations(count: number): Generator<{ members: number[]; id: number; state: number }> {
  let seed = 14;
  const next = (bound: number): number => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return seed % bound;
  };
  for (let index = 0; index < count; index++) {
    const size = next(6);
    const members = [...new Set(Array.from({ length: size }, () => next(OPERATIONS)))].sort((a, b) => a - b);
    let id = next(OPERATIONS);
    while (members.includes(id)) id = (id + 1) % OPERATIONS;
    yield { members, id, state: next(40) };
  }
}

function add(cache: SearchCache, members: readonly number[], id: number, state: number): boolean {
  const set = new OperationSet(OPERATIONS);
  for (const member of members) set.add(member);
  return cache.addIfAbsent(set, id, set.hashWith(id) ^ Math.imul(state + 1, 0x9e3779b1), state);
}

describe('the search cache', () => {
  it('answers "new" exactly once per configuration through every growth and rehash', () => {
    const cache = new SearchCache(3, { bytesLeft: 512 * 1024 * 1024 }, 1 << 8);
    const seen = new Set<string>();
    for (const { members, id, state } of configurations(60_000)) {
      const key = `${[...members, id].sort((a, b) => a - b).join(',')}@${state}`;
      assert.equal(add(cache, members, id, state), !seen.has(key), `configuration ${key}`);
      seen.add(key);
    }
    assert.ok(seen.size > 1 << 14, `the walk grew the cache many times over: ${seen.size} configurations`);
    assert.equal(cache.size, seen.size);
    // Everything stored is still found after all the growth.
    for (const { members, id, state } of configurations(60_000)) assert.equal(add(cache, members, id, state), false);
  });

  it('stops remembering once the memory budget is spent, and gives its memory back on release', () => {
    const budget: MemoryBudget = { bytesLeft: 400_000 };
    const cache = new SearchCache(3, budget, 1 << 8);
    let stored = 0;
    for (const { members, id, state } of configurations(60_000)) if (add(cache, members, id, state)) stored++;
    assert.ok(cache.size < stored, `the cache kept ${cache.size} of ${stored} new configurations`);
    assert.ok(budget.bytesLeft >= 0, `the budget was overdrawn: ${budget.bytesLeft} bytes left`);
    assert.ok(cache.size * 6 * 4 <= 400_000, `${cache.size} entries of 6 words fit in 400,000 bytes`);
    cache.release();
    assert.equal(budget.bytesLeft, 400_000);
  });
});
