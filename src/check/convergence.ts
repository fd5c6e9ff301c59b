/**
 * Convergence oracles for eventually consistent replication (Shapiro et al. 2011, §2.2
 * "strong eventual consistency": replicas that received the same updates hold equivalent
 * states). After the network heals and traffic stops, every replica of every key must
 * hold the same state within a stated bound of virtual time.
 *
 * The checkers are pure functions over snapshots, independent of how the replicas store
 * data: a snapshot maps each key to a canonical text of its state (equal states give
 * equal text). Two more oracles judge *what* the replicas converged to:
 *
 * - counters: no acknowledged increment is lost and none is counted twice;
 * - last-writer-wins: the surviving value is the acknowledged write with the greatest
 *   timestamp (or a write whose outcome the client never learned).
 */

export interface ReplicaSnapshot {
  readonly replica: string;
  /** Key → canonical state text. A key a replica has never seen is absent. */
  readonly values: ReadonlyMap<string, string>;
}

export interface Divergence {
  readonly key: string;
  /** Each replica's canonical text, undefined where the replica lacks the key. */
  readonly values: readonly { readonly replica: string; readonly value: string | undefined }[];
}

export interface ConvergenceReport {
  readonly converged: boolean;
  readonly replicas: readonly string[];
  readonly keysChecked: number;
  readonly divergentCount: number;
  /** The first divergent keys, in key order (at most `shownMax`). */
  readonly divergent: readonly Divergence[];
}

export class ConvergenceError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConvergenceError';
  }
}

/** Compares every key across every replica. */
export function checkConvergence(snapshots: readonly ReplicaSnapshot[], shownMax = 10): ConvergenceReport {
  const replicas = snapshots.map((snapshot) => snapshot.replica);
  if (new Set(replicas).size !== replicas.length) throw new RangeError(`a replica appears twice among ${replicas.join(', ')}`);
  const keys = new Set<string>();
  for (const snapshot of snapshots) for (const key of snapshot.values.keys()) keys.add(key);
  const divergent: Divergence[] = [];
  let divergentCount = 0;
  for (const key of [...keys].sort()) {
    const values = snapshots.map((snapshot) => ({ replica: snapshot.replica, value: snapshot.values.get(key) }));
    if (values.every((entry) => entry.value === values[0].value)) continue;
    divergentCount++;
    if (divergent.length < shownMax) divergent.push({ key, values });
  }
  return { converged: divergentCount === 0, replicas, keysChecked: keys.size, divergentCount, divergent };
}

export function explainConvergence(report: ConvergenceReport): string {
  if (report.converged) return `${report.replicas.length} replicas agree on all ${report.keysChecked} keys`;
  const lines = [`${report.divergentCount} of ${report.keysChecked} keys differ between ${report.replicas.join(', ')}:`];
  for (const divergence of report.divergent) {
    lines.push(`  ${divergence.key}:`);
    for (const { replica, value } of divergence.values) lines.push(`    ${replica}: ${value === undefined ? '(missing)' : abbreviate(value)}`);
  }
  if (report.divergentCount > report.divergent.length) lines.push(`  … and ${report.divergentCount - report.divergent.length} more`);
  return lines.join('\n');
}

/**
 * The verdict "converged within the bound": `elapsedMs` is the virtual time from the moment
 * traffic stopped and the network healed to the moment the snapshots were taken.
 */
export function assertConvergedWithin(report: ConvergenceReport, elapsedMs: number, boundMs: number): void {
  if (!report.converged) throw new ConvergenceError(`replicas had not converged ${elapsedMs} ms after traffic stopped (bound ${boundMs} ms): ${explainConvergence(report)}`);
  if (elapsedMs > boundMs) throw new ConvergenceError(`replicas converged only after ${elapsedMs} ms, beyond the bound of ${boundMs} ms`);
}

// ---- counters ----------------------------------------------------------------------------

export interface CounterExpectation {
  readonly key: string;
  /** Sum of the increments (negative for decrements) the clients saw acknowledged. */
  readonly acknowledged: number;
  /** Sums of the positive and negative changes whose outcome is unknown (time-outs). */
  readonly unknownUp: number;
  readonly unknownDown: number;
}

export interface CounterViolation {
  readonly key: string;
  readonly replica: string;
  readonly value: number;
  readonly lowest: number;
  readonly highest: number;
}

/** Every replica's value must lie in [acknowledged + unknownDown, acknowledged + unknownUp]. */
export function checkCounters(expectations: readonly CounterExpectation[], valueAt: (key: string) => ReadonlyMap<string, number>): CounterViolation[] {
  const violations: CounterViolation[] = [];
  for (const expectation of expectations) {
    if (expectation.unknownUp < 0 || expectation.unknownDown > 0) throw new RangeError(`unknown changes of ${expectation.key} must be split into up (>= 0) and down (<= 0)`);
    const lowest = expectation.acknowledged + expectation.unknownDown;
    const highest = expectation.acknowledged + expectation.unknownUp;
    for (const [replica, value] of valueAt(expectation.key)) {
      if (value < lowest || value > highest) violations.push({ key: expectation.key, replica, value, lowest, highest });
    }
  }
  return violations;
}

export function explainCounterViolations(violations: readonly CounterViolation[]): string {
  return violations
    .map((violation) => {
      const expected = violation.lowest === violation.highest ? `${violation.lowest}` : `between ${violation.lowest} and ${violation.highest}`;
      const verdict = violation.value < violation.lowest ? 'increments were lost' : 'increments were counted twice';
      return `${violation.key} at ${violation.replica} is ${violation.value}, expected ${expected}: ${verdict}`;
    })
    .join('\n');
}

// ---- last-writer-wins --------------------------------------------------------------------

/** A write or delete (value null) with its total-order key, e.g. [wallMs, logical, region]. */
export interface LwwWriteRecord {
  readonly key: string;
  readonly value: string | null;
  readonly order: readonly (number | string)[];
}

export interface LwwViolation {
  readonly key: string;
  readonly replica: string;
  readonly value: string | null;
  readonly expected: string | null;
}

export function compareOrder(a: readonly (number | string)[], b: readonly (number | string)[]): number {
  for (let index = 0; index < Math.max(a.length, b.length); index++) {
    if (a[index] === b[index]) continue;
    if (a[index] === undefined) return -1;
    if (b[index] === undefined) return 1;
    return a[index] < b[index] ? -1 : 1;
  }
  return 0;
}

/**
 * Each key must hold the acknowledged write with the greatest order, unless it holds the
 * value of a write whose outcome is unknown (it may have happened, with a later timestamp).
 */
export function checkLastWriterWins(
  acknowledged: readonly LwwWriteRecord[],
  unknownValues: ReadonlyMap<string, ReadonlySet<string | null>>,
  valueAt: (key: string) => ReadonlyMap<string, string | null>,
): LwwViolation[] {
  const winners = new Map<string, LwwWriteRecord>();
  for (const write of acknowledged) {
    const best = winners.get(write.key);
    if (!best || compareOrder(write.order, best.order) > 0) winners.set(write.key, write);
  }
  const violations: LwwViolation[] = [];
  for (const [key, winner] of winners) {
    for (const [replica, value] of valueAt(key)) {
      if (value === winner.value || unknownValues.get(key)?.has(value)) continue;
      violations.push({ key, replica, value, expected: winner.value });
    }
  }
  return violations;
}

export function explainLwwViolations(violations: readonly LwwViolation[]): string {
  const show = (value: string | null): string => (value === null ? '(deleted)' : JSON.stringify(value));
  return violations.map((violation) => `${violation.key} at ${violation.replica} holds ${show(violation.value)}, but the write with the latest timestamp was ${show(violation.expected)}`).join('\n');
}

function abbreviate(text: string, limit = 160): string {
  return text.length <= limit ? text : `${text.slice(0, limit - 1)}…`;
}
