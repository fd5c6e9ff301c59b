import type { ParsedHistory, PartitionKey, ProcessId } from './history';
import type { AnyModel } from './model';
import type { CompletionType, Partition, PartitionOperation } from './partition';
import type { DeepestPoint } from './search';

/** One operation as a person reads it: who, what, and where in the file. */
export interface ExplainedOperation {
  readonly process: ProcessId;
  /** Short label such as `w(3)` or `r→1`. */
  readonly label: string;
  readonly invokeLine: number;
  /** null when the history ended before the operation completed. */
  readonly completionLine: number | null;
  readonly completion: CompletionType;
  /** Positions in the history's events (for drawing timelines). */
  readonly invokeIndex: number;
  readonly completionIndex: number | null;
}

export interface LinearizedOperation extends ExplainedOperation {
  readonly stateAfter: string;
}

export interface UnplaceableOperation extends ExplainedOperation {
  readonly reason: string;
}

export interface ViolationExplanation {
  readonly key: PartitionKey | null;
  readonly model: string;
  readonly stateNoun: string;
  /** The longest linearizable prefix the search found, in linearization order. */
  readonly prefix: readonly LinearizedOperation[];
  readonly stateAfterPrefix: string;
  /** Every operation that could come next after the prefix; none of them fits. */
  readonly unplaceable: readonly UnplaceableOperation[];
  /** The operation whose completion closes the window: it had to be placed by then. */
  readonly blocking: ExplainedOperation;
  readonly summary: string;
}

export function buildExplanation(
  partition: Partition,
  deepest: DeepestPoint,
  model: AnyModel,
  history: ParsedHistory,
  /** Why the candidates fail, when a shortcut rather than the model decided it. */
  reason?: string,
): ViolationExplanation {
  if (deepest.candidates.length === 0) throw new Error('a dead end always has at least one candidate');
  const describe = (id: number): ExplainedOperation =>
    describeOperation(partition.operations[id], model, history);
  const prefix = deepest.prefix.map((id, index) => ({
    ...describe(id),
    stateAfter: model.describeState(deepest.statesAfter[index]),
  }));
  const unplaceable = deepest.candidates.map((id) => {
    const operation = partition.operations[id];
    return { ...describe(id), reason: reason ?? model.explainRejection(deepest.state, operation.input, operation.output) };
  });
  const blocking = describe(deepest.blockingOperation);
  const stateAfterPrefix = model.describeState(deepest.state);
  const where = partition.key === null ? '' : `key ${JSON.stringify(partition.key)}: `;
  const blockingRejection = unplaceable.find((operation) => operation.invokeIndex === blocking.invokeIndex);
  const summary =
    `${where}after ${prefix.length} linearized operation${prefix.length === 1 ? '' : 's'} the ${model.stateNoun} ` +
    `holds ${stateAfterPrefix}; ${blocking.label} by process ${blocking.process} (${lineSpan(blocking)}) ` +
    `must take effect before it completes, but no operation fits next` +
    (blockingRejection ? `: ${blockingRejection.reason}` : '');
  return {
    key: partition.key,
    model: model.name,
    stateNoun: model.stateNoun,
    prefix,
    stateAfterPrefix,
    unplaceable,
    blocking,
    summary,
  };
}

function describeOperation(operation: PartitionOperation, model: AnyModel, history: ParsedHistory): ExplainedOperation {
  const completed = operation.completionIndex >= 0;
  return {
    process: operation.process,
    label: model.describeOperation(operation.input, operation.output),
    invokeLine: history.lineNumbers[operation.invokeIndex],
    completionLine: completed ? history.lineNumbers[operation.completionIndex] : null,
    completion: operation.completion,
    invokeIndex: operation.invokeIndex,
    completionIndex: completed ? operation.completionIndex : null,
  };
}

/** "lines 40–41", "line 40, info at line 52", "line 40, never completed". */
export function lineSpan(operation: ExplainedOperation): string {
  if (operation.completionLine === null) return `invoked line ${operation.invokeLine}, never completed`;
  if (operation.completion === 'info') {
    return `invoked line ${operation.invokeLine}, outcome unknown (info at line ${operation.completionLine})`;
  }
  const failed = operation.completion === 'fail' ? ' (failed)' : '';
  return `lines ${operation.invokeLine}–${operation.completionLine}${failed}`;
}
