import type { Message } from '../../runtime/ports';

/**
 * Messages between a saga orchestrator and the services its steps call, in the `saga`
 * namespace. A command carries the step's idempotency key: a service that has already
 * applied that key answers with its saved result instead of applying it again, so a
 * retried, redelivered or duplicated command takes effect once.
 */

export const sagaNamespace = 'saga';
export const sagaCommandType = 'saga.command';
export const sagaResultType = 'saga.result';

export interface SagaCommand extends Message {
  readonly type: typeof sagaCommandType;
  /** Unique per attempt; the answer echoes it. */
  readonly requestId: string;
  readonly idempotencyKey: string;
  readonly command: string;
  readonly args: unknown;
  /**
   * Settle the key for good instead of applying it: the service answers the saved result
   * if it applied the key, and otherwise records that the key must never be applied and
   * answers not ok. The orchestrator fences a command whose last attempt timed out, so
   * that a lost answer cannot leave an effect its log calls failed.
   */
  readonly fence?: boolean;
}

export type SagaCommandReply = { readonly ok: true; readonly result: unknown } | { readonly ok: false; readonly reason: string };

export interface SagaResult extends Message {
  readonly type: typeof sagaResultType;
  readonly requestId: string;
  readonly reply: SagaCommandReply;
}

export function isSagaCommand(message: Message): message is SagaCommand {
  return message.type === sagaCommandType;
}

export function isSagaResult(message: Message): message is SagaResult {
  return message.type === sagaResultType;
}
