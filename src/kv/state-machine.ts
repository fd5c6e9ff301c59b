/**
 * The shard state machine is a composition of modules (src/replica/shard-state-machine.ts):
 * the key-value part is src/kv/kv-module.ts, slot moves src/kv/slot-module.ts. These names
 * stay for tests and for code on branches not yet merged; new code imports the modules or
 * the composition. Temporary: listed as a named exception in .dependency-cruiser.js.
 */
export { defaultSessionsMax, type KvApplyResult, type KvCommand } from './kv-module';
export type { SlotApplyResult, SlotCommand, SlotExport, SlotLogEntry } from './slot-module';
export {
  type ShardSnapshot as KvSnapshot,
  ShardStateMachine as KvStateMachine,
  type ShardStateMachineOptions as KvStateMachineOptions,
} from '../replica/shard-state-machine';
export type { TxnLogEntry } from '../txn/participant-module';
