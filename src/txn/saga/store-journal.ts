import type { TxnClient } from '../client';
import type { TimerPort } from '../../runtime/ports';
import { hashString32 } from '../../util/hash';
import type { SagaJournal, SagaLogEntry, SagaStartedEntry } from './log';
import { runStoreTransaction, type StoreDecision, type StoreOutcome } from './store-transaction';

/**
 * The saga log in the sharded store, so that it is replicated (each key lives in a Raft
 * group) and any node's orchestrator can resume it.
 *
 * Keyspace: `saga/lease` names the orchestrator that may write saga logs and its epoch
 * (orchestrator-lease.ts); `saga/log/<id>` is one saga's entries (JSON); `saga/index/<b>`
 * lists the saga ids of bucket b (a hash of the id), which a new orchestrator scans.
 *
 * Every write is a transaction that first reads the lease under a shared lock and writes
 * only if its epoch is this orchestrator's. The lease changes hands only by a transaction
 * that writes it, so by serializability every log write happened either before the
 * takeover (and the new orchestrator's scan sees it) or after (and was refused): a
 * paused or cut-off orchestrator cannot write after it was replaced, whatever the clocks
 * say (a fencing token; Chubby's sequencers). An append is also a compare-and-set on the
 * log's length, so a retry after an unknown outcome never appends an entry twice.
 */

export const sagaLeaseKey = 'saga/lease';
export const sagaHeartbeatKey = 'saga/heartbeat';
export const sagaIndexBuckets = 4;
export const sagaIndexKey = (bucket: number): string => `saga/index/${bucket}`;
export const sagaLogKey = (sagaId: string): string => `saga/log/${sagaId}`;
export const sagaIndexBucketOf = (sagaId: string): number => hashString32(sagaId) % sagaIndexBuckets;

export interface SagaLease {
  readonly holder: string;
  readonly epoch: number;
}

export function parseLease(value: string | null): SagaLease | undefined {
  return value === null ? undefined : (JSON.parse(value) as SagaLease);
}

export function parseLog(value: string | null): SagaLogEntry[] {
  return value === null ? [] : (JSON.parse(value) as SagaLogEntry[]);
}

/** Saga ids listed in an index bucket (an append-only list of words). */
export function parseIndex(value: string | null): string[] {
  return value === null || value === '' ? [] : value.split(' ');
}

export interface StoreJournalOptions {
  /** Back-off between tries of a write that aborted (a lock conflict, a leader election). */
  readonly retryBackoffMs: number;
  /** Tries of one write before the journal gives up its sagas (the lease is then not renewed either). */
  readonly attemptsMax: number;
}

export const storeJournalDefaults: StoreJournalOptions = { retryBackoffMs: 40, attemptsMax: 60 };

type WriteResult = 'written' | 'lost';

/** The orchestrator's side of the replicated log; `epoch()` is its lease epoch (undefined: it holds no lease). */
export class StoreSagaJournal implements SagaJournal {
  /** Entries known to be in each saga's log (the compare-and-set's expected length). */
  private readonly lengths = new Map<string, number>();
  /** Count of writes committed, and of tries that had to be repeated (for reports). */
  readonly counts = { committed: 0, retried: 0, unknown: 0 };

  constructor(
    private readonly client: TxnClient,
    private readonly timers: TimerPort,
    private readonly epoch: () => number | undefined,
    /** Called once a write finds the lease gone: this orchestrator must stop. */
    private readonly onLost: (reason: string) => void,
    private readonly options: StoreJournalOptions = storeJournalDefaults,
  ) {}

  /** The log as a scan read it: later appends continue from its length. */
  adopted(sagaId: string, entries: readonly SagaLogEntry[]): void {
    this.lengths.set(sagaId, entries.length);
  }

  forgetAll(): void {
    this.lengths.clear();
  }

  create(sagaId: string, started: SagaStartedEntry, durable: () => void): void {
    if (this.lengths.has(sagaId)) throw new Error(`saga ${sagaId} already exists`);
    this.lengths.set(sagaId, 0);
    const text = JSON.stringify(started);
    this.write(sagaId, [{ key: sagaLogKey(sagaId), forUpdate: true }], (values) => {
      const log = parseLog(values.get(sagaLogKey(sagaId)) ?? null);
      if (log.length === 1 && JSON.stringify(log[0]) === text) return { writes: new Map(), result: 'written' };
      if (log.length > 0) return { refuse: `saga ${sagaId} already has a log` };
      return { writes: new Map([[sagaLogKey(sagaId), JSON.stringify([started])]]), appends: new Map([[sagaIndexKey(sagaIndexBucketOf(sagaId)), sagaId]]), result: 'written' };
    }, () => {
      this.lengths.set(sagaId, 1);
      durable();
    });
  }

  append(sagaId: string, entry: SagaLogEntry, durable: () => void): void {
    const expected = this.lengths.get(sagaId);
    if (expected === undefined) throw new Error(`the journal does not know saga ${sagaId}`);
    const text = JSON.stringify(entry);
    this.write(sagaId, [{ key: sagaLogKey(sagaId), forUpdate: true }], (values) => {
      const log = parseLog(values.get(sagaLogKey(sagaId)) ?? null);
      // An earlier try whose outcome was unknown may have committed this very entry.
      if (log.length === expected + 1 && JSON.stringify(log[expected]) === text) return { writes: new Map(), result: 'written' };
      if (log.length !== expected) return { refuse: `the log of saga ${sagaId} has ${log.length} entries, not ${expected}: another orchestrator wrote it` };
      return { writes: new Map([[sagaLogKey(sagaId), JSON.stringify([...log, entry])]]), result: 'written' };
    }, () => {
      this.lengths.set(sagaId, expected + 1);
      durable();
    });
  }

  /** Runs a fenced write until it commits (then `written`), or the lease is gone (then `onLost`). */
  private write(sagaId: string, reads: { key: string; forUpdate?: boolean }[], decide: (values: ReadonlyMap<string, string | null>) => StoreDecision<WriteResult>, written: () => void, attempt = 1): void {
    const epoch = this.epoch();
    if (epoch === undefined) return;
    const fenced = (values: ReadonlyMap<string, string | null>): StoreDecision<WriteResult> => {
      const lease = parseLease(values.get(sagaLeaseKey) ?? null);
      if (lease?.epoch !== epoch) return { refuse: `the saga lease is at epoch ${lease?.epoch ?? 'none'}, not ${epoch}` };
      return decide(values);
    };
    runStoreTransaction(this.client, [{ key: sagaLeaseKey }, ...reads], fenced, (outcome: StoreOutcome<WriteResult>) => {
      if (this.epoch() !== epoch) return; // stepped down meanwhile: its sagas are abandoned
      if (outcome.kind === 'committed') {
        this.counts.committed++;
        return written();
      }
      if (outcome.kind === 'refused') return this.onLost(outcome.reason);
      if (outcome.kind === 'unknown') this.counts.unknown++;
      this.counts.retried++;
      if (attempt >= this.options.attemptsMax) return this.onLost(`a write of saga ${sagaId}'s log failed ${attempt} times: ${outcome.reason}`);
      this.timers.setTimer(this.options.retryBackoffMs, () => this.write(sagaId, reads, decide, written, attempt + 1));
    });
  }
}
