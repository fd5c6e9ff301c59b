/**
 * The client-history format shared by the clients that record histories (src/kv/) and
 * the checkers that read them (src/check/): JSON Lines as defined in
 * ../shared/conformance/linearizability/README.md. It sits below both so neither
 * depends on the other.
 */

export type ProcessId = number | string;
export type PartitionKey = string | number;
export type EventType = 'invoke' | 'ok' | 'fail' | 'info';

/** One line of a history. `value` is the argument on invoke and the result on ok. */
export interface HistoryEvent {
  readonly process: ProcessId;
  readonly type: EventType;
  readonly f: string;
  readonly key?: PartitionKey;
  readonly value?: unknown;
}
