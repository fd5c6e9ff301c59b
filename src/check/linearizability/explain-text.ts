import type { LinearizabilityResult } from './checker';
import { lineSpan, type ExplainedOperation, type ViolationExplanation } from './explanation';

/** Prefixes longer than this show their first and last operations around an elision. */
const prefixLinesMax = 40;
const prefixLinesKeptAtEnd = 30;

/** Plain text for terminals and report attachments. */
export function explainText(result: LinearizabilityResult): string {
  const operationCount = result.partitions.reduce((sum, partition) => sum + partition.operationCount, 0);
  const scope =
    `${result.model} model, ${result.partitions.length} partition${result.partitions.length === 1 ? '' : 's'}, ` +
    `${operationCount} operations`;
  if (result.verdict === 'linearizable') return `LINEARIZABLE (${scope})\n`;
  if (result.verdict === 'unknown') {
    const open = result.partitions.filter((partition) => partition.verdict === 'unknown');
    const limits = [...new Set(open.flatMap((partition) => (partition.limit === undefined ? [] : [partition.limit])))];
    const reached = limits.length === 0 ? 'ran out of time or steps' : `reached its limit of ${limits.join(' and ')}`;
    return `UNKNOWN (${scope}): the search ${reached} before deciding ${open.map(keyName).join(', ')}\n`;
  }
  if (result.explanation === undefined) throw new Error('a violation always carries an explanation');
  const failing = result.partitions.filter((partition) => partition.verdict === 'not-linearizable').map(keyName);
  const lines = [`NOT LINEARIZABLE (${scope}); failing: ${failing.join(', ')}`, ''];
  lines.push(...explainViolation(result.explanation));
  return lines.join('\n') + '\n';
}

function explainViolation(explanation: ViolationExplanation): string[] {
  const noun = explanation.stateNoun;
  const lines = [
    // The summary names the key itself; a history without keys gets a subject here.
    `${explanation.key === null ? 'The history: ' : ''}${explanation.summary}.`,
    '',
    `Longest linearizable prefix (${explanation.prefix.length} operations, in linearization order):`,
  ];
  const rows = explanation.prefix.map(
    (operation, index) =>
      `  ${String(index + 1).padStart(4)}. ${operationColumns(operation)}  → ${noun} holds ${operation.stateAfter}`,
  );
  if (rows.length === 0) lines.push('  (none: not even the first operation fits)');
  else if (rows.length <= prefixLinesMax) lines.push(...rows);
  else {
    const keptAtStart = prefixLinesMax - prefixLinesKeptAtEnd;
    const elided = rows.length - keptAtStart - prefixLinesKeptAtEnd;
    lines.push(...rows.slice(0, keptAtStart), `        ... ${elided} more ...`, ...rows.slice(-prefixLinesKeptAtEnd));
  }
  lines.push(`After this prefix the ${noun} holds ${explanation.stateAfterPrefix}.`, '');
  const blocking = explanation.blocking;
  lines.push(
    `No operation can be placed next. ${blocking.label} by process ${blocking.process} completes at line ` +
      `${blocking.completionLine}, so it or one of these operations (all invoked before then) must come next:`,
  );
  for (const operation of explanation.unplaceable) {
    lines.push(`  ${operationColumns(operation)}  ✗ ${operation.reason}`);
  }
  return lines;
}

function operationColumns(operation: ExplainedOperation): string {
  return `process ${String(operation.process).padEnd(4)} ${operation.label.padEnd(16)} ${lineSpan(operation)}`;
}

function keyName(item: { readonly key: string | number | null }): string {
  return item.key === null ? 'the history' : `key ${JSON.stringify(item.key)}`;
}
