import type { TxnClient } from '../client';
import type { NodeService } from '../../runtime/node-runtime';
import type { Message, NodeEnv, NodeId } from '../../runtime/ports';
import { isSagaCommand, type SagaCommand, type SagaCommandReply, type SagaResult, sagaResultType } from './protocol';
import { runStoreTransaction, type StoreDecision, type StoreOutcome, type StoreRead } from './store-transaction';
import { ownData } from '../../util/own-data';

/**
 * A saga service whose state lives in the sharded store (flights, hotels, cars,
 * payments). The service process keeps nothing: each command is one transaction that
 * reads the command's idempotency record and its state, and writes the state change and
 * the record together, so both commit or neither does (one shard: one log entry; several:
 * two-phase commit). A retried, redelivered or duplicated command finds the record and
 * gets the saved answer; two copies that run at once are serialized by the record's lock.
 *
 * A compensation also fences its action: in the same transaction it undoes the action if
 * the action's record says it applied, and otherwise writes that record as *voided*, so
 * an attempt of the action still on its way is refused when it arrives and never applies
 * after its compensation (the late action problem of sagas).
 *
 * Idempotency records: `saga/applied/<service>/<idempotency key>` holds
 * `{"status":"applied","result":...}` or `{"status":"voided"}`.
 */

export type JsonResult = string | number | boolean | null | { readonly [key: string]: JsonResult } | readonly JsonResult[];

/** A state change: keys it reads (and may write), and the writes given their values. */
export interface StoreChange {
  keys(args: unknown): readonly string[];
  apply(args: unknown, values: ReadonlyMap<string, string | null>): { readonly writes: ReadonlyMap<string, string | null>; readonly result: JsonResult } | { readonly refuse: string };
}

export interface StoreServiceDefinition {
  readonly name: string;
  readonly actions: Readonly<Record<string, StoreChange>>;
  /** Compensating commands: each undoes the action named in `undoes`; `apply` sees the action's saved result as `args.actionResult`. */
  readonly compensations: Readonly<Record<string, StoreChange & { readonly undoes: string }>>;
}

export type IdempotencyRecord = { readonly status: 'applied'; readonly result: JsonResult } | { readonly status: 'voided' };

export const idempotencyRecordKey = (service: string, idempotencyKey: string): string => `saga/applied/${service}/${idempotencyKey}`;

/** The action's key for a compensation's key (the orchestrator's `<saga>/<step>/<phase>`). */
export function actionKeyOf(compensationKey: string): string {
  if (!compensationKey.endsWith('/compensation')) throw new Error(`${compensationKey} is not a compensation's idempotency key`);
  return `${compensationKey.slice(0, -'compensation'.length)}action`;
}

export function parseRecord(value: string | null): IdempotencyRecord | undefined {
  return value === null ? undefined : (JSON.parse(value) as IdempotencyRecord);
}

/** Tries of one command's transaction that aborted (a lock conflict, an election) before the service answers "failed". */
const transactionTriesMax = 4;
const retryBackoffMs = 20;

export class StoreService implements NodeService {
  /** Commands received, duplicates included, and transactions that had to be tried again (for reports). */
  readonly counts = { received: 0, applied: 0, duplicates: 0, refused: 0, retried: 0, unknown: 0 };

  constructor(
    private readonly env: Pick<NodeEnv, 'id' | 'network' | 'timers' | 'trace'>,
    private readonly client: TxnClient,
    private readonly definition: StoreServiceDefinition,
  ) {}

  onMessage(from: NodeId, message: Message): void {
    if (!isSagaCommand(message)) return;
    this.counts.received++;
    // Own entries only: a command named like an Object.prototype method ("constructor",
    // "toString") is no command here, not that method.
    const action = ownEntry(this.definition.actions, message.command);
    const compensation = ownEntry(this.definition.compensations, message.command);
    if (action === undefined && compensation === undefined) return this.answer(from, message, { ok: false, reason: `${this.definition.name} has no command ${message.command}` });
    this.run(from, message, 1);
  }

  private run(from: NodeId, command: SagaCommand, attempt: number): void {
    const { reads, decide } = this.transaction(command);
    runStoreTransaction(this.client, reads, decide, (outcome: StoreOutcome<{ reply: SagaCommandReply; applied: boolean }>) => {
      if (outcome.kind === 'committed') {
        if (outcome.result.applied) this.counts.applied++;
        else this.counts.duplicates++;
        return this.answer(from, command, outcome.result.reply);
      }
      if (outcome.kind === 'refused') {
        this.counts.refused++;
        return this.answer(from, command, { ok: false, reason: outcome.reason });
      }
      // Unknown: it may have committed; the orchestrator's retry finds the record if so.
      if (outcome.kind === 'unknown') this.counts.unknown++;
      if (outcome.kind === 'unknown' || attempt >= transactionTriesMax) return this.answer(from, command, { ok: false, reason: `${this.definition.name}'s transaction ${outcome.kind}: ${outcome.reason}` });
      this.counts.retried++;
      this.env.timers.setTimer(retryBackoffMs * attempt, () => this.run(from, command, attempt + 1));
    });
  }

  /** The reads and the decision of one command's transaction. */
  private transaction(command: SagaCommand): { reads: StoreRead[]; decide: (values: ReadonlyMap<string, string | null>) => StoreDecision<{ reply: SagaCommandReply; applied: boolean }> } {
    const service = this.definition.name;
    const ownKey = idempotencyRecordKey(service, command.idempotencyKey);
    if (command.fence === true) return this.fence(ownKey);
    const compensation = ownEntry(this.definition.compensations, command.command);
    const change: StoreChange = compensation ?? ownEntry(this.definition.actions, command.command)!;
    const actionKey = compensation === undefined ? undefined : idempotencyRecordKey(service, actionKeyOf(command.idempotencyKey));
    const stateKeys = change.keys(command.args);
    const reads: StoreRead[] = [ownKey, ...(actionKey === undefined ? [] : [actionKey]), ...stateKeys].map((key) => ({ key, forUpdate: true }));
    const decide = (values: ReadonlyMap<string, string | null>): StoreDecision<{ reply: SagaCommandReply; applied: boolean }> => {
      const own = parseRecord(values.get(ownKey) ?? null);
      if (own?.status === 'applied') return { writes: new Map(), result: { reply: { ok: true, result: own.result }, applied: false } };
      if (own?.status === 'voided') return { refuse: `${service}: cancelled by its compensation before it applied` };
      const action = actionKey === undefined ? undefined : parseRecord(values.get(actionKey) ?? null);
      // A compensation whose action never applied only fences it.
      if (actionKey !== undefined && action?.status !== 'applied') {
        const writes = new Map([[ownKey, record({ status: 'applied', result: 'nothing to undo' })], ...(action === undefined ? [[actionKey, record({ status: 'voided' })] as const] : [])]);
        return { writes, result: { reply: { ok: true, result: 'nothing to undo' }, applied: true } };
      }
      const args = actionKey === undefined ? command.args : { ...(command.args as object), actionResult: (action as { result: JsonResult }).result };
      const changed = change.apply(args, values);
      if ('refuse' in changed) return changed;
      const writes = new Map([...changed.writes, [ownKey, record({ status: 'applied', result: changed.result })]]);
      return { writes, result: { reply: { ok: true, result: changed.result }, applied: true } };
    };
    return { reads, decide };
  }

  /**
   * A fence (the orchestrator gave up on an attempt whose outcome it does not know) settles
   * the key for good: the saved answer if the command applied, and otherwise a voided record,
   * so that a copy still on its way is refused when it arrives.
   */
  private fence(ownKey: string): { reads: StoreRead[]; decide: (values: ReadonlyMap<string, string | null>) => StoreDecision<{ reply: SagaCommandReply; applied: boolean }> } {
    const decide = (values: ReadonlyMap<string, string | null>): StoreDecision<{ reply: SagaCommandReply; applied: boolean }> => {
      const own = parseRecord(values.get(ownKey) ?? null);
      if (own?.status === 'applied') return { writes: new Map(), result: { reply: { ok: true, result: own.result }, applied: false } };
      const writes = own === undefined ? new Map([[ownKey, record({ status: 'voided' })]]) : new Map<string, string>();
      return { writes, result: { reply: { ok: false, reason: `${this.definition.name}: fenced before it applied` }, applied: false } };
    };
    return { reads: [{ key: ownKey, forUpdate: true }], decide };
  }

  private answer(to: NodeId, command: SagaCommand, reply: SagaCommandReply): void {
    this.env.trace('saga.service.answer', { service: this.definition.name, key: command.idempotencyKey, ok: reply.ok });
    const result: SagaResult = { type: sagaResultType, requestId: command.requestId, reply };
    this.env.network.send(to, result);
  }
}

function record(value: IdempotencyRecord): string {
  return JSON.stringify(value);
}

/** `table[name]` when `name` is the table's own entry (`ownData`); undefined for an inherited one (say "constructor"). */
function ownEntry<T>(table: Readonly<Record<string, T>>, name: string): T | undefined {
  return ownData(table, name) as T | undefined;
}
