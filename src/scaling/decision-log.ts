import type { ScalingDecision } from './types';

/** The autoscaler's decision log as a text table for the report: one line per evaluation. */
export function formatDecisionLog(decisions: readonly ScalingDecision[]): string {
  const header = ['time', 'nodes', 'metrics seen (average / target ratio → proposal)', 'proposal', 'stabilized', 'desired', 'limit or window', 'action'];
  const rows = decisions.map((decision) => [
    `${(decision.atMs / 1000).toFixed(1)} s`,
    String(decision.currentNodes),
    decision.proposals.map(describeProposal).join('; '),
    String(decision.proposedNodes),
    String(decision.stabilizedNodes),
    String(decision.desiredNodes),
    decision.limits.join(', '),
    decision.action,
  ]);
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column].length)));
  const line = (cells: string[]): string => cells.map((cell, column) => cell.padEnd(widths[column])).join(' | ').trimEnd();
  return [line(header), line(widths.map((width) => '-'.repeat(width))), ...rows.map(line)].join('\n');
}

function describeProposal(proposal: ScalingDecision['proposals'][number]): string {
  if (proposal.nodes === undefined) return `${proposal.metric}: ${proposal.reason}`;
  const ratio = proposal.adjustedRatio !== undefined && proposal.adjustedRatio !== proposal.usageRatio ? `${fmt(proposal.usageRatio)}, adjusted ${fmt(proposal.adjustedRatio)}` : fmt(proposal.usageRatio);
  return `${proposal.metric} ${fmt(proposal.observedAverage)} (${ratio}) → ${proposal.nodes}, ${proposal.reason}`;
}

function fmt(value: number | undefined): string {
  return value === undefined ? '?' : Number(value.toFixed(3)).toString();
}
