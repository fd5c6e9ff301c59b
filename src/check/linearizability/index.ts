/** The linearizability checker: parse a client history, check it, explain a violation. */
export {
  HistoryParseError,
  formatHistoryEvent,
  parseHistory,
  serializeHistory,
  validateHistory,
  type EventType,
  type HistoryEvent,
  type OperationVocabulary,
  type ParsedHistory,
  type PartitionKey,
  type ProcessId,
} from './history';
export type { AnyModel, Model, Outcome, PreparedCall, StepResult } from './model';
export { registerModel } from './register-model';
export { keyValueModel } from './kv-model';
export { linearizabilityModels, modelNamed } from './models';
export {
  checkLinearizability,
  type CheckOptions,
  type LinearizabilityResult,
  type PartitionResult,
  type Verdict,
} from './checker';
export type {
  ExplainedOperation,
  LinearizedOperation,
  UnplaceableOperation,
  ViolationExplanation,
} from './explanation';
export { explainText } from './explain-text';
export { renderSvg } from './svg';
