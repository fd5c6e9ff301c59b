import type { TxnId } from './types';

/**
 * A transaction id is `<client>.<n>`: the id of the client that began it and that client's
 * own counter (src/txn/client.ts). The counter is what lets a shard keep one number per
 * client, a horizon, instead of one tombstone per ended transaction: the session table of
 * Ongaro's thesis (§6.3, "clients include the lowest sequence number without a response,
 * and the state machine discards everything below it"). A query's attempts,
 * `<client>.q<n>.a<k>`, are numbered by the query client's own query counter n instead
 * (queryAttemptNumber): a shard keeps a separate horizon per query client for them.
 */

export interface TxnNumber {
  readonly client: string;
  readonly n: number;
}

/**
 * Parsed ids, since a transaction's id is read again at every lock, vote, decision and
 * clean-up on every shard it touches. A pure function of the string, so cached or not the
 * answer is the same; bounded (emptied when full), so it holds no run's state for long.
 */
const PARSED = new Map<TxnId, TxnNumber | null>();
const PARSED_MAX = 4096;

export function txnNumber(txnId: TxnId): TxnNumber | undefined {
  const cached = PARSED.get(txnId);
  if (cached !== undefined) return cached ?? undefined;
  const parsed = parseTxnNumber(txnId);
  if (PARSED.size >= PARSED_MAX) PARSED.clear();
  PARSED.set(txnId, parsed ?? null);
  return parsed;
}

function parseTxnNumber(txnId: TxnId): TxnNumber | undefined {
  const dot = txnId.lastIndexOf('.');
  if (dot <= 0) return undefined;
  const digits = txnId.slice(dot + 1);
  if (!/^[1-9]\d{0,14}$/.test(digits)) return undefined;
  return Object.freeze({ client: txnId.slice(0, dot), n: Number(digits) });
}

export interface QueryAttemptNumber {
  /** The query client. */
  readonly client: string;
  /** The client's query counter. */
  readonly query: number;
  readonly attempt: number;
}

/** The numbers in a query attempt's id `<client>.q<n>.a<k>` (src/query/client.ts); undefined for any other id. */
export function queryAttemptNumber(txnId: TxnId): QueryAttemptNumber | undefined {
  const match = /^(.+)\.q([1-9]\d{0,14})\.a([1-9]\d{0,14})$/.exec(txnId);
  return match === null ? undefined : { client: match[1], query: Number(match[2]), attempt: Number(match[3]) };
}
