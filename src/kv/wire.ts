import { type Check, int, isPlainRecord, jsonValue, nonEmptyStr, noteInspected, optional, record, str } from '../runtime/wire-check';
import { ACCESSOR } from '../util/own-data';
import { validateOperationFields } from './operation';

/**
 * Shapes of key-value messages and log commands as they arrive from the network. The
 * server and the state machine assume well-formed input, so the node's message boundary
 * checks with these first; a state machine that threw on a bad command in the log would
 * stop every replica at the same entry.
 */

export const operationCheck: Check = (value, path) => {
  if (!isPlainRecord(value)) return `${path}: an operation must be an object`;
  // Plain data (it crossed the wire, src/runtime/wire-check.ts), where a getter was is its
  // marker; then validated as validateOperation does.
  const { kind, key, value: item, expected } = value;
  if (kind === ACCESSOR) return `${path}.kind must be plain data`;
  if (key === ACCESSOR) return `${path}.key must be plain data`;
  if (item === ACCESSOR) return `${path}.value must be plain data`;
  if (expected === ACCESSOR) return `${path}.expected must be plain data`;
  const problem = validateOperationFields(kind, key, item, expected);
  // Whether the verdict can change is whether the object can.
  if (problem === undefined) noteInspected(value);
  return problem === undefined ? undefined : `${path}: ${problem}`;
};

/** Who sends a request when authentication is on (see src/auth/). */
export const principalCheck: Check = record({ user: nonEmptyStr(256), proof: str(256) });

export const kvRequestCheck: Check = record({
  requestId: int(0),
  clientId: nonEmptyStr(512),
  sequence: int(1),
  shardId: nonEmptyStr(256),
  epoch: int(0),
  operation: operationCheck,
  principal: optional(principalCheck),
});

/** A plain key-value command in a shard's log. */
export const kvCommandCheck: Check = record({
  clientId: nonEmptyStr(512),
  sequence: int(1),
  operation: operationCheck,
  principal: optional(principalCheck),
});

/** The payload of a normal entry in a shard's log: a key-value, transaction or auth command
 *  (or a placement command, in the placement group's log: `placementCommand`'s shape). */
export function shardLogCommandCheck(txnCommand: Check, authCommand: Check, placementCommand: Check = jsonValue()): Check {
  // Built once, not per entry: every normal entry of every append passes here.
  const txnCheck = record({ txn: txnCommand });
  const authCheck = record({ auth: authCommand });
  const slotsCheck = record({ slots: jsonValue() });
  const placementCheck = record({ placement: placementCommand });
  return (value, path) => {
    if (typeof value === 'object' && value !== null && 'txn' in value) return txnCheck(value, path);
    if (typeof value === 'object' && value !== null && 'auth' in value) return authCheck(value, path);
    // Slot moves (src/kv/state-machine.ts SlotCommand) come from the migration executor
    // through Raft between admitted peers: their shape is checked for plain, bounded data
    // here, their meaning by their state machine; the placement group's entries by the
    // shape the caller gives (src/placement/wire.ts).
    if (typeof value === 'object' && value !== null && 'slots' in value) return slotsCheck(value, path);
    if (typeof value === 'object' && value !== null && 'placement' in value) return placementCheck(value, path);
    return kvCommandCheck(value, path);
  };
}
