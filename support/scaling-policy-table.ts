import type { MetricTarget, RatePolicy, ScalingPolicySpec, ScheduledMinimum, SelectPolicy } from '../src/scaling';
import { parseDurationMs } from './parameters';

/**
 * Reads a scaling policy from a two-column feature table (field | value). Omitted fields
 * take HPA's defaults; min nodes defaults to the replication factor (1 unless given).
 */
export const POLICY_FIELDS = [
  'min nodes',
  'max nodes',
  'replication factor',
  'cpu target',
  'requests per second target',
  'memory target',
  'tolerance',
  'scale-up window',
  'scale-down window',
  'scale-up rate',
  'scale-down rate',
  'scale-up select',
  'scale-down select',
  'evaluation interval',
  'scheduled minimum',
] as const;

export function policyFromTable(rows: Record<string, string>): ScalingPolicySpec {
  for (const field of Object.keys(rows)) {
    if (!(POLICY_FIELDS as readonly string[]).includes(field)) throw new Error(`unknown scaling policy field "${field}"; accepted: ${POLICY_FIELDS.join(', ')}`);
  }
  const replicationFactor = rows['replication factor'] !== undefined ? number(rows['replication factor'], 'replication factor') : 1;
  const metrics: MetricTarget[] = [];
  if (rows['cpu target'] !== undefined) metrics.push({ metric: 'cpu', averageValue: percent(rows['cpu target'], 'cpu target') });
  if (rows['memory target'] !== undefined) metrics.push({ metric: 'memory', averageValue: percent(rows['memory target'], 'memory target') });
  if (rows['requests per second target'] !== undefined) metrics.push({ metric: 'requestsPerSecond', averageValue: number(rows['requests per second target'], 'requests per second target') });
  return {
    replicationFactor,
    minNodes: rows['min nodes'] !== undefined ? number(rows['min nodes'], 'min nodes') : replicationFactor,
    maxNodes: rows['max nodes'] !== undefined ? number(rows['max nodes'], 'max nodes') : 100,
    metrics,
    tolerance: rows.tolerance !== undefined ? number(rows.tolerance, 'tolerance') : undefined,
    evaluationIntervalMs: rows['evaluation interval'] !== undefined ? duration(rows['evaluation interval'], 'evaluation interval') : undefined,
    scaleUp: rules(rows, 'scale-up'),
    scaleDown: rules(rows, 'scale-down'),
    scheduledMinimums: rows['scheduled minimum'] !== undefined ? [scheduled(rows['scheduled minimum'])] : undefined,
  };
}

function rules(rows: Record<string, string>, direction: 'scale-up' | 'scale-down'): ScalingPolicySpec['scaleUp'] {
  const window = rows[`${direction} window`];
  const rate = rows[`${direction} rate`];
  const select = rows[`${direction} select`];
  return {
    stabilizationWindowSeconds: window !== undefined ? duration(window, `${direction} window`) / 1000 : undefined,
    policies: rate !== undefined ? rate.split(',').map((part) => ratePolicy(part.trim(), `${direction} rate`)) : undefined,
    selectPolicy: select !== undefined ? (select.trim() as SelectPolicy) : undefined,
  };
}

/** "4 nodes per 60 s" or "10% per 60 s". */
function ratePolicy(text: string, field: string): RatePolicy {
  const match = /^(\d+)\s*(nodes?|%)\s+per\s+(.+)$/.exec(text);
  if (!match) throw new Error(`${field}: "${text}" is not of the form "4 nodes per 60 s" or "10% per 60 s"`);
  return { type: match[2] === '%' ? 'Percent' : 'Nodes', value: Number(match[1]), periodSeconds: duration(match[3], field) / 1000 };
}

/** "6 nodes from 60 s until 180 s". */
function scheduled(text: string): ScheduledMinimum {
  const match = /^(\d+)\s+nodes\s+from\s+(.+?)\s+until\s+(.+)$/.exec(text.trim());
  if (!match) throw new Error(`scheduled minimum: "${text}" is not of the form "6 nodes from 60 s until 180 s"`);
  return { minNodes: Number(match[1]), fromMs: duration(match[2], 'scheduled minimum'), untilMs: duration(match[3], 'scheduled minimum') };
}

function number(text: string, field: string): number {
  const value = Number(text.trim());
  if (text.trim() === '' || Number.isNaN(value)) throw new Error(`${field}: "${text}" is not a number`);
  return value;
}

function percent(text: string, field: string): number {
  if (!/%\s*$/.test(text)) throw new Error(`${field}: "${text}" must be a percentage such as "75%"`);
  return number(text.replace('%', ''), field);
}

function duration(text: string, field: string): number {
  const value = parseDurationMs(text.trim());
  if (value === null) throw new Error(`${field}: "${text}" is not a duration such as "60 s"`);
  return value;
}
