import { bool, type Check, finite, int, isPlainRecord, jsonValue, list, literal, nonEmptyStr, nullable, record, str } from '../runtime/wire-check';

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
  if (isPlainRecord(value) && value.kind === 'set-goal') return setGoalCheck(value, path);
  return jsonValue()(value, path);
};

export const placementLogEntryCheck: Check = record({ placement: placementCommandCheck });

/**
 * A node's heartbeat to the placement group's leader, and the answer (src/placement/heartbeat.ts).
 * The leader keeps the latest report under its node, and the sender compares the answers'
 * sequences with its own, so both are checked here: a report under another node's name, or a
 * sequence that is not a number, would corrupt the picture the planner works from or keep the
 * sender from finding a new leader (an answer past the sender's own sequence is ignored there).
 */
const replicaReportCheck: Check = record({
  group: nonEmptyStr(256),
  role: str(64),
  term: int(0),
  appliedIndex: int(0),
  keys: finite,
  bytes: finite,
  readsPerSecond: finite,
  writesPerSecond: finite,
});

export const storeHeartbeatCheck: Check = record({ type: literal('placement.heartbeat'), node: nonEmptyStr(256), sequence: int(1), replicas: list(replicaReportCheck, 100_000) });

export const heartbeatAckCheck: Check = record({ type: literal('placement.heartbeat-ack'), sequence: int(0), recorded: bool, leaderHint: nullable(nonEmptyStr(256)), epoch: int(0) });

/** A heartbeat names the node it reports on: only that node may send it. */
export function storeHeartbeatIdentityProblem(message: Record<string, unknown>, from: string): string | undefined {
  return message.node === from ? undefined : `placement.heartbeat from ${from} reports on ${String(message.node).slice(0, 64)}`;
}
