import type { NodeId } from '../runtime/ports';
import type { ShardId, ShardMap } from '../sharding/shard-map';
import type { BalanceMeasure, Imbalance, PlanNode, ShardLoad } from './types';

/**
 * Distribution analysis: what each node holds and serves, how uneven that is, and which
 * placement constraints are broken. It reads the map and measured loads only (pure), so
 * the same function describes the live cluster, a plan's input and a plan's expected map.
 *
 * Measures follow PD's store statistics (region count, leader count, region size, read and
 * write flow). Every replica applies every logged operation (reads go through the log's
 * ReadIndex on the leader, writes are replicated), so a node's reads and writes per second
 * are the sums over the shards it holds; `load` is their sum. Imbalance is computed over
 * the nodes that may hold data (listed, not draining), normalised by capacity, as
 * CockroachDB's allocator does with its mean and over/under-full stores.
 */

export interface NodeDistribution {
  readonly node: NodeId;
  readonly zone?: string;
  readonly capacity: number;
  readonly draining: boolean;
  /** False when the map places replicas on a node absent from the node list. */
  readonly known: boolean;
  readonly replicas: number;
  readonly leaders: number;
  readonly bytes: number;
  readonly readsPerSecond: number;
  readonly writesPerSecond: number;
}

export type ViolationKind = 'same-node' | 'same-zone' | 'under-replicated' | 'unknown-node';

export interface Violation {
  readonly kind: ViolationKind;
  readonly shard: ShardId;
  /** A sentence naming the shard, nodes and zone involved. */
  readonly detail: string;
}

export interface DistributionAnalysis {
  readonly nodes: readonly NodeDistribution[];
  /** One entry per measure: replicas, leaders, bytes, load. */
  readonly imbalance: readonly Imbalance[];
  readonly violations: readonly Violation[];
}

export interface AnalysisInput {
  readonly map: ShardMap;
  readonly nodes: readonly PlanNode[];
  readonly loads?: readonly ShardLoad[];
  /** When given, shards with fewer replicas are reported as under-replicated. */
  readonly replicationFactor?: number;
}

export function analyzeDistribution(input: AnalysisInput): DistributionAnalysis {
  const rows = nodeRows(input);
  const eligible = rows.filter((row) => row.known && !row.draining);
  const capacities = eligible.map((row) => row.capacity);
  const imbalanceOf = (measure: Imbalance['measure'], value: (row: NodeDistribution) => number): Imbalance => ({
    measure,
    ...measureImbalance(eligible.map(value), capacities),
  });
  return {
    nodes: rows,
    imbalance: [
      imbalanceOf('replicas', (row) => row.replicas),
      imbalanceOf('leaders', (row) => row.leaders),
      imbalanceOf('bytes', (row) => row.bytes),
      imbalanceOf('load', (row) => row.readsPerSecond + row.writesPerSecond),
    ],
    violations: constraintViolations(input),
  };
}

/**
 * max/mean and coefficient of variation of `values`, each divided by its node's capacity
 * (1 when omitted). The mean is capacity-weighted (total / total capacity), so a node of
 * capacity 2 holding twice the share counts as exactly balanced. With nothing to balance
 * (no nodes, or a total of zero) the result is perfectly balanced: 1 and 0.
 */
export function measureImbalance(values: readonly number[], capacities?: readonly number[]): { maxOverMean: number; coefficientOfVariation: number } {
  const capacity = (index: number): number => capacities?.[index] ?? 1;
  const totalCapacity = values.reduce((sum, _, index) => sum + capacity(index), 0);
  const total = values.reduce((sum, value) => sum + value, 0);
  if (values.length === 0 || total <= 0 || totalCapacity <= 0) return { maxOverMean: 1, coefficientOfVariation: 0 };
  const mean = total / totalCapacity;
  let max = 0;
  let squares = 0;
  values.forEach((value, index) => {
    const share = value / capacity(index);
    max = Math.max(max, share);
    squares += capacity(index) * (share - mean) ** 2;
  });
  return { maxOverMean: max / mean, coefficientOfVariation: Math.sqrt(squares / totalCapacity) / mean };
}

/** The value of one balance measure for a shard's replica: 1, its bytes, or its ops per second. */
export function shardWeight(measure: BalanceMeasure, load: { bytes: number; readsPerSecond: number; writesPerSecond: number } | undefined): number {
  if (measure === 'replicas') return 1;
  if (load === undefined) return 0;
  return measure === 'bytes' ? load.bytes : load.readsPerSecond + load.writesPerSecond;
}

function nodeRows(input: AnalysisInput): NodeDistribution[] {
  const rows = new Map<NodeId, { -readonly [K in keyof NodeDistribution]: NodeDistribution[K] }>();
  const row = (node: NodeId, known: boolean, plan?: PlanNode) => {
    let found = rows.get(node);
    if (found === undefined) {
      found = { node, zone: plan?.zone, capacity: plan?.capacity ?? 1, draining: plan?.draining ?? false, known, replicas: 0, leaders: 0, bytes: 0, readsPerSecond: 0, writesPerSecond: 0 };
      if (found.zone === undefined) delete found.zone;
      rows.set(node, found);
    }
    return found;
  };
  for (const node of input.nodes) row(node.id, true, node);
  const loadById = new Map((input.loads ?? []).map((load) => [load.shard, load]));
  for (const shard of input.map.shards) {
    const load = loadById.get(shard.id);
    for (const node of shard.replicas) {
      const target = row(node, false);
      target.replicas++;
      target.bytes += load?.bytes ?? 0;
      target.readsPerSecond += load?.readsPerSecond ?? 0;
      target.writesPerSecond += load?.writesPerSecond ?? 0;
    }
    row(shard.preferredLeader, false).leaders++;
  }
  return [...rows.values()];
}

/** Broken placement constraints, shard by shard in map order. */
export function constraintViolations(input: AnalysisInput): Violation[] {
  const known = new Map(input.nodes.map((node) => [node.id, node]));
  const zonesConfigured = input.nodes.some((node) => node.zone !== undefined);
  const violations: Violation[] = [];
  for (const shard of input.map.shards) {
    const seen = new Set<NodeId>();
    const zoneHolders = new Map<string, NodeId[]>();
    for (const node of shard.replicas) {
      if (seen.has(node)) violations.push({ kind: 'same-node', shard: shard.id, detail: `${shard.id} has two replicas on ${node}` });
      seen.add(node);
      if (!known.has(node)) violations.push({ kind: 'unknown-node', shard: shard.id, detail: `${shard.id} has a replica on ${node}, which is not a known node` });
      const zone = known.get(node)?.zone;
      if (zonesConfigured && zone !== undefined) zoneHolders.set(zone, [...(zoneHolders.get(zone) ?? []), node]);
    }
    for (const [zone, holders] of zoneHolders) {
      const distinct = [...new Set(holders)];
      if (distinct.length > 1) violations.push({ kind: 'same-zone', shard: shard.id, detail: `${shard.id} has replicas on ${distinct.join(', ')}, all in zone ${zone}` });
    }
    const copies = seen.size;
    if (input.replicationFactor !== undefined && copies < input.replicationFactor) {
      violations.push({ kind: 'under-replicated', shard: shard.id, detail: `${shard.id} has ${copies} replica${copies === 1 ? '' : 's'}, below the replication factor ${input.replicationFactor}` });
    }
  }
  return violations;
}

/** The per-node report table: a header row, then one row per node. */
export function formatDistributionTable(analysis: DistributionAnalysis): string[][] {
  const header = ['node', 'zone', 'capacity', 'state', 'replicas', 'leaders', 'bytes', 'reads/s', 'writes/s'];
  const body = analysis.nodes.map((row) => [
    row.node,
    row.zone ?? '-',
    formatNumber(row.capacity),
    !row.known ? 'unknown' : row.draining ? 'draining' : 'active',
    String(row.replicas),
    String(row.leaders),
    formatNumber(row.bytes),
    formatNumber(row.readsPerSecond),
    formatNumber(row.writesPerSecond),
  ]);
  return [header, ...body];
}

/** The imbalance table: one row per measure, max/mean and coefficient of variation to 3 decimals. */
export function formatImbalanceTable(imbalance: readonly Imbalance[]): string[][] {
  return [['measure', 'max/mean', 'coefficient of variation'], ...imbalance.map((entry) => [entry.measure, entry.maxOverMean.toFixed(3), entry.coefficientOfVariation.toFixed(3)])];
}

/** The violations table (header only when there are none). */
export function formatViolationTable(violations: readonly Violation[]): string[][] {
  return [['shard', 'violation', 'detail'], ...violations.map((violation) => [violation.shard, violation.kind, violation.detail])];
}

function formatNumber(value: number): string {
  return Number.isInteger(value) ? String(value) : value.toFixed(2);
}
