import { ownData } from '../util/own-data';
import { type Check, finite, int, isPlainRecord, jsonValue, literal, nonEmptyStr, record, str } from '../runtime/wire-check';

/**
 * Shapes of the placement group's log entries as they arrive in Raft messages
 * (src/placement/state-machine.ts). The map changes and journal steps travel as plain,
 * bounded data whose meaning the state machine checks (compare-and-set on the epoch and
 * the step). A table's goal is checked field by field here: it comes from an operator's
 * request, and the goal's words (zone, region) are the whole of its meaning.
 */

const tableGoalCheck: Check = record({
  shard: nonEmptyStr(256),
  locality: record({
    table: nonEmptyStr(256),
    goal: literal('zone', 'region'),
    homeRegion: nonEmptyStr(256),
    voters: int(3, 99),
  }),
});

/** Virtual time, in ms (fractional): never negative. */
const virtualTime: Check = (value, path) => finite(value, path) ?? ((value as number) >= 0 ? undefined : `${path} must not be negative`);

const setGoalCheck: Check = record({ kind: literal('set-goal'), goal: tableGoalCheck, reason: str(4096), atMs: virtualTime });

/** The payload of a placement entry: `{ placement: command }`. */
export const placementCommandCheck: Check = (value, path) => {
  // The kind read as plain data: a getter must not run here (src/util/own-data.ts).
  if (isPlainRecord(value) && ownData(value, 'kind') === 'set-goal') return setGoalCheck(value, path);
  return jsonValue()(value, path);
};

export const placementLogEntryCheck: Check = record({ placement: placementCommandCheck });
