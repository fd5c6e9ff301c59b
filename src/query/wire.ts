import { bool, type Check, int, jsonValue, list, nonEmptyStr, record } from '../runtime/wire-check';

/**
 * The shape of a query fragment request as a server's message boundary checks it
 * (src/runtime/message-boundary.ts). The fragment itself is planned data: the shard's
 * query service validates what it uses of it.
 */
export const fragmentRequestCheck: Check = record({
  requestId: nonEmptyStr(512),
  queryId: nonEmptyStr(512),
  shardId: nonEmptyStr(256),
  epoch: int(0),
  fragment: jsonValue(32),
  locksWait: bool,
  tableSlots: list(list(record({ start: int(0, 1023), endExclusive: int(1, 1024) }), 1024), 16),
});
