import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { jsonLengthOfImmutableItems } from '../../src/util/json-length';

/**
 * The elastic cluster's Raft-log size reading (src/api/elastic-cluster.ts) must be the very
 * number `JSON.stringify(log).length` gave, or the monitor's memory and disk readings (and
 * every scaling decision after them) would change.
 */
describe('JSON length of a list of immutable items', () => {
  it('equals JSON.stringify(list).length for any list, measured once or again', () => {
    const item = fc.oneof(fc.jsonValue(), fc.constant(undefined), fc.record({ term: fc.nat(), index: fc.nat(), kind: fc.constantFrom('normal', 'noop', 'config'), data: fc.option(fc.jsonValue(), { nil: undefined }) }));
    fc.assert(
      fc.property(fc.array(item, { maxLength: 30 }), (items) => {
        const expected = JSON.stringify(items).length;
        assert.equal(jsonLengthOfImmutableItems(items), expected, 'first measure');
        assert.equal(jsonLengthOfImmutableItems(items), expected, 'remembered lengths');
        assert.equal(jsonLengthOfImmutableItems(items.slice(1)), JSON.stringify(items.slice(1)).length, 'a shorter log sharing the items');
      }),
      { numRuns: 500, seed: 14 },
    );
  });
});
