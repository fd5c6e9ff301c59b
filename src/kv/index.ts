export { KvClient, type KvClientEnv, type KvClientOptions, kvClientDefaults, type ShardMapSource } from './client';
export type { Operation } from './client-operation';
export {
  type CompletionOutcome,
  completionEvent,
  type HistoryEvent,
  type HistoryEventType,
  type HistoryModelName,
  HistoryRecorder,
  type HistoryRecorderOptions,
  historyToJsonLines,
  invokeEvent,
  type ProcessId,
  type RecordedHistory,
} from './history';
export {
  assertValidOperation,
  canonicalResult,
  isCompareFailure,
  isReadOnly,
  type KvOperation,
  type KvOperationKind,
  type KvResult,
  operationLimits,
  validateOperation,
} from './operation';
export {
  isKvRequest,
  isKvResponse,
  type KvReply,
  type KvReplyStatus,
  type KvRequest,
  type KvResponse,
  kvNamespace,
  kvRequestType,
  kvResponseType,
  responseTo,
} from './protocol';
export type { ClientSession } from './session-table';
export { defaultSessionsMax, type KvApplyResult, type KvCommand } from './kv-module';
