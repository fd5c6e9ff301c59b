/**
 * The vocabulary of distributed transactions, shared by the replicated participant state,
 * the participant server, the coordinator, the client and the history.
 *
 * Words: a transaction "commits" or "aborts" (`txnCommit` in code where it could be
 * confused with Raft); a Raft log entry is "applied". The coordinator's durable decision
 * is the transaction *record*; the shard that holds it is the *anchor* shard, the one
 * owning the transaction's first key (its *anchor key*), as in CockroachDB.
 */

import type { Principal, Refusal } from '../auth/types';
import { hashSlotCount, type SlotRange } from '../sharding/slots';

export type TxnId = string;

/**
 * Wait-die priority: the age of a transaction. Smaller `startedAtMs` is older; ties are
 * broken by id, so every pair of transactions is ordered the same way everywhere. A retry
 * keeps the priority of the attempt it retries, so it grows older and cannot starve.
 */
export interface TxnPriority {
  readonly startedAtMs: number;
  readonly txnId: TxnId;
}

/** True when `a` is older than `b` (it may wait for `b`; `b` must die rather than wait for `a`). */
export function isOlder(a: TxnPriority, b: TxnPriority): boolean {
  if (a.startedAtMs !== b.startedAtMs) return a.startedAtMs < b.startedAtMs;
  return a.txnId < b.txnId;
}

export type LockMode = 'shared' | 'exclusive';

export type TxnOutcome = 'committed' | 'aborted';

/** What a transaction does to one key when it acquires the key's lock. */
export type TxnAccess =
  /** Read under a shared lock (or an exclusive one with `forUpdate`, to avoid lock upgrades). */
  | { readonly kind: 'read'; readonly forUpdate?: boolean }
  /** Write `value` (null deletes) under an exclusive lock; visible to others only on commit. */
  | { readonly kind: 'write'; readonly value: string | null }
  /** Append `element` to the key's list (elements separated by spaces). */
  | { readonly kind: 'append'; readonly element: string }
  /**
   * A shared lock over every key that starts with a prefix (a table's rows on this shard),
   * for a read-only query that reads them all; the command's key is `scanLockKey(prefix)`.
   */
  | { readonly kind: 'scan' };

/**
 * Commands of the replicated participant state, carried in a shard's Raft log as
 * `{ txn: TxnCommand }`. Every one of them is idempotent: a retry, a duplicate or a late
 * copy applied again returns the same answer and changes nothing more.
 */
export type TxnCommand =
  /** Takes the key's lock for the transaction and records its write intent, if any. */
  | {
      readonly kind: 'acquire';
      readonly txnId: TxnId;
      readonly priority: TxnPriority;
      /** The key whose shard holds the transaction record (recovery asks there). */
      readonly anchorKey: string;
      readonly coordinator: string;
      /** Increases with every operation of the transaction (gaps allowed): orders retries. */
      readonly opIndex: number;
      readonly key: string;
      readonly access: TxnAccess;
      /** Who runs the transaction, when authentication is on (src/auth/). */
      readonly principal?: Principal;
      /**
       * The client's acknowledged mark: every transaction of this transaction's client
       * numbered up to here has an outcome the client knows (or stopped asking about).
       * Garbage collection of records and tombstones never goes past it (txn-id.ts).
       * The coordinator's prepare, decide and resolve carry it too.
       */
      readonly settled?: number;
    }
  /**
   * Phase one at a participant that is not the anchor: vote. `lastOpIndex` is the last
   * operation the coordinator had acknowledged here; a participant that has not applied
   * it votes no. `refuse` votes no and aborts here.
   */
  | { readonly kind: 'prepare'; readonly txnId: TxnId; readonly lastOpIndex: number; readonly refuse?: string; readonly settled?: number }
  /**
   * Phase two, or recovery: make the outcome stick here and release the locks. `ifHeld`:
   * the outcome is presumed, not read from a record (the anchor had forgotten the
   * transaction when recovery asked), so it applies only to a transaction still held here;
   * one that already ended here keeps how it ended.
   */
  | { readonly kind: 'resolve'; readonly txnId: TxnId; readonly outcome: TxnOutcome; readonly reason?: string; readonly settled?: number; readonly ifHeld?: boolean }
  /**
   * At the anchor: write the commit decision into the transaction record unless the record
   * already says otherwise, and commit the anchor's own part in the same step. With one
   * participant this is the whole commit (the one-phase fast path).
   */
  | { readonly kind: 'decide'; readonly txnId: TxnId; readonly participants: readonly string[]; readonly lastOpIndex: number; readonly refuse?: string; readonly settled?: number }
  /**
   * At the anchor, for recovery and status queries: the recorded outcome, or abort if none
   * (presumed abort). A transaction already collected here is answered "forgotten", to a
   * recovering participant too: only it can tell, at its own log position, whether that
   * means "aborted" (src/txn/recovery.ts).
   */
  | { readonly kind: 'settle'; readonly txnId: TxnId; readonly reason: string }
  /**
   * Garbage collection (src/txn/record-collector.ts): forget the records and tombstones of
   * `client`'s transactions numbered up to `through`, and refuse them from now on. Only
   * the committed records listed in `confirmed` may go (their participants have all applied
   * the outcome); the state lowers `through` below anything else it may not drop yet.
   */
  | { readonly kind: 'forget'; readonly client: string; readonly through: number; readonly confirmed: readonly TxnId[] };

/**
 * A read-only question to a participant's leader, never written to the log: has the
 * transaction ended here for good (applied its outcome, or was forgotten)?
 */
export interface TxnProbe {
  readonly kind: 'probe';
  readonly txnId: TxnId;
}

export type ProbeResult = { readonly status: 'probe'; readonly ended: boolean };

/** What a forget did: the horizon it set, and how much it dropped. */
export type ForgetResult = { readonly status: 'collected'; readonly through: number; readonly records: number; readonly tombstones: number };

/** A decide or status question about a transaction collected here: its outcome is no longer known (never guessed). */
export type ForgottenResult = { readonly status: 'forgotten'; readonly reason: string };

export type AcquireResult =
  | { readonly status: 'granted'; readonly value: string | null }
  /** Incompatible locks are held by these transactions (sorted by id). Nothing changed. */
  | { readonly status: 'conflict'; readonly key: string; readonly holders: readonly LockHolder[] }
  /** The transaction already ended here (for example recovery aborted it). */
  | { readonly status: 'finished'; readonly outcome: TxnOutcome; readonly reason: string }
  /** An older operation of the transaction arriving after a newer one; ignored. */
  | { readonly status: 'stale' }
  /** The role table refused the principal this access (src/auth/); nothing changed. */
  | { readonly status: 'forbidden'; readonly refusal: Refusal };

export interface LockHolder {
  readonly txnId: TxnId;
  readonly priority: TxnPriority;
  readonly mode: LockMode;
}

export type PrepareResult =
  | { readonly status: 'prepared' }
  /** Only reads here: the locks are released now and phase two skips this participant. */
  | { readonly status: 'read-only' }
  | { readonly status: 'refused'; readonly reason: string };

export type DecisionResult = { readonly status: 'committed' } | { readonly status: 'aborted'; readonly reason: string } | ForgottenResult;

export type ResolveResult = { readonly status: 'resolved'; readonly outcome: TxnOutcome };

export type TxnApplyResult = AcquireResult | PrepareResult | DecisionResult | ResolveResult | ForgetResult | ProbeResult;

/** The durable decision, kept by the anchor shard. */
export interface TxnRecord {
  readonly outcome: TxnOutcome;
  readonly reason: string;
  /** Shards that took part (known for commit decisions). */
  readonly participants: readonly string[];
}

/**
 * Scan locks sit in a transaction's lock list under this marker followed by the prefix they
 * cover and, for a lock narrowed to some hash slots, a separator and the slot ranges
 * (`a-b,c-d`, end inclusive). A lock without ranges covers the prefix in every slot.
 */
const scanLockMarker = '\u0000scan:';
/** The marker of a scan lock taken by a query that may wait for writers (see `scanWaits`). */
const waitingScanLockMarker = '\u0000scan+wait:';
const scanSlotsSeparator = '\u0000';

/**
 * A scan lock's key. `waits`: the query may wait for running writers (under wait-die, by
 * age), so writers must treat it like any transaction; without it the query dies on any
 * conflict with a running writer, and writers may always wait for it
 * (src/txn/participant-server.ts).
 */
export function scanLockKey(prefix: string, slots?: readonly SlotRange[], waits = false): string {
  const marker = waits ? waitingScanLockMarker : scanLockMarker;
  if (slots === undefined) return `${marker}${prefix}`;
  const ranges = slots.map((range) => `${range.start}-${range.endExclusive - 1}`).join(',');
  return `${marker}${prefix}${scanSlotsSeparator}${ranges}`;
}

/** The key after its scan-lock marker, or undefined for an ordinary key. */
function scanLockBody(lockKey: string): string | undefined {
  if (lockKey.startsWith(scanLockMarker)) return lockKey.slice(scanLockMarker.length);
  if (lockKey.startsWith(waitingScanLockMarker)) return lockKey.slice(waitingScanLockMarker.length);
  return undefined;
}

/** True for the scan lock of a query that may wait for writers. */
export function scanWaits(lockKey: string): boolean {
  return lockKey.startsWith(waitingScanLockMarker);
}

/** The prefix a scan lock covers, or undefined for an ordinary key. */
export function scannedPrefix(lockKey: string): string | undefined {
  const rest = scanLockBody(lockKey);
  if (rest === undefined) return undefined;
  const separator = rest.indexOf(scanSlotsSeparator);
  return separator < 0 ? rest : rest.slice(0, separator);
}

/**
 * The hash slots a scan lock covers: undefined for every slot (or for an ordinary key), and
 * for a malformed range list an empty list (a lock on nothing, so it protects no row and a
 * query holding it reads none).
 */
export function scannedSlots(lockKey: string): SlotRange[] | undefined {
  const rest = scanLockBody(lockKey);
  if (rest === undefined) return undefined;
  const separator = rest.indexOf(scanSlotsSeparator);
  if (separator < 0) return undefined;
  const ranges: SlotRange[] = [];
  for (const text of rest.slice(separator + 1).split(',')) {
    const match = /^(\d{1,4})-(\d{1,4})$/.exec(text);
    if (match === null || Number(match[1]) > Number(match[2]) || Number(match[2]) >= hashSlotCount) return [];
    ranges.push({ start: Number(match[1]), endExclusive: Number(match[2]) + 1 });
  }
  return ranges;
}

export function isTxnCommandEntry(data: unknown): data is { txn: TxnCommand } {
  return typeof data === 'object' && data !== null && 'txn' in data;
}
