import type { NodeService } from '../../runtime/node-runtime';
import type { Message, NodeEnv, NodeId } from '../../runtime/ports';
import { isSagaCommand, type SagaCommandReply, type SagaResult, sagaResultType } from './protocol';

/**
 * A service that saga steps call (payments, inventory, ...), made idempotent by key: the
 * first successful application of an idempotency key is recorded on disk (synced) with
 * its result before the answer leaves, and every later command with that key gets the
 * saved result without being applied again. Failures are not recorded, so a retry after
 * a failure really tries again.
 *
 * A fence for a key (`SagaCommand.fence`) settles it: the saved result if the key was
 * applied, otherwise a durable record that the key must never be applied and a not-ok
 * answer; a command with a fenced key that arrives later (a delayed or duplicated copy)
 * is refused, so the orchestrator's "not applied" stays true.
 */

export type ServiceHandler = (args: unknown, idempotencyKey: string) => SagaCommandReply;

export interface ServiceApplication {
  readonly idempotencyKey: string;
  readonly command: string;
  readonly args: unknown;
}

const appliedKey = (idempotencyKey: string) => `service/applied/${idempotencyKey}`;
const fencedKey = (idempotencyKey: string) => `service/fenced/${idempotencyKey}`;
const historyKey = 'service/history';

export class IdempotentService implements NodeService {
  /** Commands received, duplicates included (volatile: for observers). */
  received = 0;

  constructor(
    private readonly env: NodeEnv,
    private readonly handlers: (command: string) => ServiceHandler | undefined,
  ) {}

  /** Every command applied, once per idempotency key, in order (durable). */
  applications(): readonly ServiceApplication[] {
    return this.env.disk.get<ServiceApplication[]>(historyKey) ?? [];
  }

  onMessage(from: NodeId, message: Message): void {
    if (!isSagaCommand(message)) return;
    this.received++;
    const saved = this.env.disk.get<SagaCommandReply>(appliedKey(message.idempotencyKey));
    if (saved !== undefined) {
      this.env.trace('saga.service.duplicate', { key: message.idempotencyKey });
      return this.answer(from, message.requestId, saved);
    }
    if (this.env.disk.get<boolean>(fencedKey(message.idempotencyKey)) === true) {
      this.env.trace('saga.service.refused-fenced', { key: message.idempotencyKey });
      return this.answer(from, message.requestId, { ok: false, reason: `${message.idempotencyKey} was fenced: the orchestrator gave up on it before it arrived` });
    }
    if (message.fence === true) {
      this.env.disk.put(fencedKey(message.idempotencyKey), true);
      this.env.disk.sync();
      this.env.trace('saga.service.fenced', { key: message.idempotencyKey });
      return this.answer(from, message.requestId, { ok: false, reason: `${message.idempotencyKey} was never applied here, and now never will be` });
    }
    const handler = this.handlers(message.command);
    const reply: SagaCommandReply = handler === undefined ? { ok: false, reason: `${this.env.id} has no command ${message.command}` } : handler(message.args, message.idempotencyKey);
    if (reply.ok) {
      this.env.disk.put(appliedKey(message.idempotencyKey), reply);
      this.env.disk.append(historyKey, [{ idempotencyKey: message.idempotencyKey, command: message.command, args: message.args }]);
      this.env.disk.sync();
    }
    this.answer(from, message.requestId, reply);
  }

  private answer(to: NodeId, requestId: string, reply: SagaCommandReply): void {
    const result: SagaResult = { type: sagaResultType, requestId, reply };
    this.env.network.send(to, result);
  }
}
