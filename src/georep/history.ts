/**
 * What clients were told, kept by the facade for the oracles: counter changes and
 * last-writer-wins writes with their outcomes (acknowledged, refused, or unknown after a
 * time-out) and the HLC timestamps the replicas gave them.
 */
import type { CounterExpectation, LwwWriteRecord } from '../check/convergence';
import type { RegionId } from './causal-context';
import type { ClientResult } from './client';
import type { HlcTimestamp } from './hlc';
import type { GeoOperation, StrategyKind } from './strategies';

export type Outcome = 'ok' | 'failed' | 'unknown';

export interface UpdateRecord {
  readonly region: RegionId;
  readonly fullKey: string;
  readonly kind: StrategyKind;
  readonly operation: GeoOperation;
  readonly outcome: Outcome;
  readonly timestamp?: HlcTimestamp;
  readonly issuedAtMs: number;
  readonly completedAtMs: number;
}

export class OperationHistory {
  readonly updates: UpdateRecord[] = [];
  reads = 0;

  record(region: RegionId, fullKey: string, kind: StrategyKind, operation: GeoOperation | undefined, result: ClientResult, issuedAtMs: number, completedAtMs: number): void {
    if (operation === undefined) {
      this.reads++;
      return;
    }
    const outcome: Outcome = result.ok ? 'ok' : result.unavailable ? 'unknown' : 'failed';
    this.updates.push({ region, fullKey, kind, operation, outcome, timestamp: result.ok ? result.timestamp : undefined, issuedAtMs, completedAtMs });
  }

  count(outcome: Outcome): number {
    return this.updates.filter((update) => update.outcome === outcome).length;
  }

  counterExpectations(): CounterExpectation[] {
    const byKey = new Map<string, { acknowledged: number; unknownUp: number; unknownDown: number }>();
    for (const update of this.updates) {
      if (update.operation.kind !== 'increment' || update.outcome === 'failed') continue;
      const entry = byKey.get(update.fullKey) ?? { acknowledged: 0, unknownUp: 0, unknownDown: 0 };
      const amount = update.operation.amount;
      if (update.outcome === 'ok') entry.acknowledged += amount;
      else if (amount > 0) entry.unknownUp += amount;
      else entry.unknownDown += amount;
      byKey.set(update.fullKey, entry);
    }
    return [...byKey].map(([key, entry]) => ({ key, ...entry }));
  }

  /** Acknowledged LWW writes ordered by (wallMs, logical, region), and values of writes with unknown outcome. */
  lastWriterWinsWrites(): { acknowledged: LwwWriteRecord[]; unknownValues: Map<string, Set<string | null>> } {
    const acknowledged: LwwWriteRecord[] = [];
    const unknownValues = new Map<string, Set<string | null>>();
    for (const update of this.updates) {
      if (update.kind !== 'lww' || update.outcome === 'failed') continue;
      const value = update.operation.kind === 'put' ? update.operation.value : null;
      if (update.outcome === 'ok') {
        acknowledged.push({ key: update.fullKey, value, order: [update.timestamp!.wallMs, update.timestamp!.logical, update.region] });
      } else {
        const values = unknownValues.get(update.fullKey) ?? new Set();
        values.add(value);
        unknownValues.set(update.fullKey, values);
      }
    }
    return { acknowledged, unknownValues };
  }

  /** The acknowledged updates of one key, in the order they were acknowledged. */
  updatesOf(fullKey: string): UpdateRecord[] {
    return this.updates.filter((update) => update.fullKey === fullKey && update.outcome === 'ok');
  }
}
