import type { TxnId } from './types';

/**
 * A transaction id is `<client>.<n>`: the id of the client that began it and that client's
 * own counter (src/txn/client.ts). The counter is what lets a shard keep one number per
 * client, a horizon, instead of one tombstone per ended transaction: the session table of
 * Ongaro's thesis (§6.3, "clients include the lowest sequence number without a response,
 * and the state machine discards everything below it"). Ids of another shape (a query's
 * attempts, `<client>.q<n>.a<k>`) have no number and are never collected.
 */

export interface TxnNumber {
  readonly client: string;
  readonly n: number;
}

export function txnNumber(txnId: TxnId): TxnNumber | undefined {
  const dot = txnId.lastIndexOf('.');
  if (dot <= 0) return undefined;
  const digits = txnId.slice(dot + 1);
  if (!/^[1-9]\d{0,14}$/.test(digits)) return undefined;
  return { client: txnId.slice(0, dot), n: Number(digits) };
}
