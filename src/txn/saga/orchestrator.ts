import type { NodeService } from '../../runtime/node-runtime';
import type { Message, NodeEnv, NodeId, TimerId } from '../../runtime/ports';
import { backoffMs, defaultCompensationRetry, defaultStepTimeoutMs, noRetry, type RetryPolicy, type SagaDefinition, type SagaPhase, type StepContext } from './definition';
import { attemptKey, LocalSagaJournal, nextMove, problemsOf, replay, SagaLog, type SagaJournal, type SagaLogEntry, type SagaProblem, type SagaProgress, type SagaState } from './log';
import { isSagaResult, type SagaCommand, sagaCommandType } from './protocol';

/**
 * The saga orchestrator of one node (namespace `saga`). It runs every saga from its
 * durable log (log.ts): each move is decided from the log alone, so a restarted
 * orchestrator resumes exactly where the crashed one stood. The log is written through a
 * journal: the node's disk by default, or the replicated store (store-journal.ts), where
 * a standby orchestrator on another node adopts the sagas of one that crashed.
 *
 * An attempt of a step is logged before it starts and its outcome before the saga moves
 * on. It fails when its handler says so or when it has not completed within the step's
 * timeout; a failed attempt is retried after an exponential back-off while the step's
 * retry policy allows, and then the step has failed for good. Completions of attempts
 * that already timed out are ignored: the retry carries the same idempotency key, so the
 * service has applied the command once either way.
 *
 * A last attempt that timed out has an unknown outcome: its command may have been applied
 * and only the answer lost. Before the step counts as failed, the orchestrator fences the
 * key at the service (protocol.ts): if it was applied, the step completed after all;
 * otherwise it never will be, and failing is true. Found by the saga soak, where a charge
 * whose answer was lost was left standing in a saga its log called compensated. A fence
 * that stays unanswered for `fenceRoundsMax` rounds leaves the step failed with an
 * unknown outcome, and the saga needs attention.
 */

export interface SagaStatus {
  readonly sagaId: string;
  readonly definition: string;
  readonly state: SagaState;
  /** Step names whose action completed, in order. */
  readonly completed: readonly string[];
  /** Step names whose compensation completed, in the order they ran. */
  readonly compensated: readonly string[];
  /** What went wrong: the failed step, and each compensation that kept failing. */
  readonly problems: readonly SagaProblem[];
  /** In words, for reports. */
  readonly summary: string;
}

/** The definitions an orchestrator knows: its code, the same before and after a restart. */
export interface SagaRegistry {
  definition(name: string): SagaDefinition | undefined;
}

interface RunningAttempt {
  readonly sagaId: string;
  /** The run of the saga it belongs to: an attempt of a run that was abandoned settles nothing. */
  readonly progress: SagaProgress;
  readonly step: number;
  readonly phase: SagaPhase;
  readonly attempt: number;
  settled: boolean;
  timer: TimerId | undefined;
  /** The service command the handler sent last (what a fence must settle). */
  sent: { readonly service: NodeId; readonly command: string } | undefined;
  /** Ids of the requests it sent: forgotten once it settles (an answer after that changes nothing). */
  readonly requestIds: string[];
}

/** A fence waiting for its answer: the attempt it settles and why that attempt failed. */
interface PendingFence {
  readonly attempt: RunningAttempt;
  readonly reason: string;
  readonly round: number;
  answered: boolean;
}

/** Rounds of one fence (each waits a step timeout) before the outcome is called unknown. */
const fenceRoundsMax = 60;

/** Sagas run at once on one orchestrator: a bound on its memory. */
const runningSagasMax = 10_000;

export class SagaOrchestrator implements NodeService {
  private readonly journal: SagaJournal;
  /** The log on this node's disk, when that is where the journal writes. */
  private readonly localLog: SagaLog | undefined;
  private readonly running = new Map<string, SagaProgress>();
  /** Requests sent by attempts, by request id. */
  private readonly requests = new Map<string, RunningAttempt>();
  /** Fences sent, by request id. */
  private readonly fences = new Map<string, PendingFence>();
  /**
   * The service each request or fence in `requests` and `fences` went to: only that node's
   * answer counts, as on a connection (a store server or another service that learned a
   * request id could otherwise settle a step sent elsewhere). Deleted with its entry.
   */
  private readonly askedService = new Map<string, NodeId>();
  private readonly incarnation: string;
  private nextRequest = 0;

  constructor(
    private readonly env: NodeEnv,
    private readonly registry: SagaRegistry,
    journal?: SagaJournal,
  ) {
    this.incarnation = env.random.int(0x7fffffff).toString(36);
    if (journal !== undefined) {
      // A replicated journal hands over the sagas to resume (adopt) once this node may run them.
      this.journal = journal;
      this.localLog = undefined;
      return;
    }
    this.localLog = new SagaLog(env.disk);
    this.journal = new LocalSagaJournal(this.localLog);
    // Resume every unfinished saga, in start order, once the process is up.
    for (const sagaId of this.localLog.ids()) this.adopt(sagaId, this.localLog.entries(sagaId));
  }

  /** Resumes a saga from its log (a restart, or a takeover from another node's orchestrator). */
  adopt(sagaId: string, entries: readonly SagaLogEntry[]): void {
    const progress = replay(sagaId, entries);
    if (progress.finished !== undefined || this.running.has(sagaId)) return;
    if (this.running.size >= runningSagasMax) throw new Error(`the orchestrator already runs ${runningSagasMax} sagas`);
    this.running.set(sagaId, progress);
    this.env.trace('saga.resume', { saga: sagaId, inFlight: progress.inFlight ? `${progress.inFlight.phase} ${progress.inFlight.step}` : 'none' });
    this.env.timers.setTimer(0, () => this.advance(sagaId));
  }

  /** Stops running every saga (another orchestrator took them over); late answers and timers are ignored. */
  abandonAll(): void {
    for (const sagaId of this.running.keys()) this.env.trace('saga.abandon', { saga: sagaId });
    this.running.clear();
    this.requests.clear();
    this.askedService.clear();
  }

  /** Requests and fences sent and not yet answered or given up: bounded by the attempts running now. */
  get pendingRequests(): number {
    return this.askedService.size;
  }

  /** Ids of the sagas this orchestrator runs now. */
  runningIds(): string[] {
    return [...this.running.keys()];
  }

  /** Starts a saga; its start is durable when this returns. */
  start(sagaId: string, definitionName: string, data: Record<string, unknown> = {}): void {
    if (this.registry.definition(definitionName) === undefined) throw new Error(`no saga called ${definitionName}`);
    if (this.running.size >= runningSagasMax) throw new Error(`the orchestrator already runs ${runningSagasMax} sagas`);
    const started = { t: 'started', definition: definitionName, data } as const;
    this.journal.create(sagaId, started, () => {
      if (this.running.has(sagaId)) return;
      this.running.set(sagaId, replay(sagaId, [started]));
      this.env.trace('saga.start', { saga: sagaId, definition: definitionName });
      this.advance(sagaId);
    });
  }

  /** A saga's status as this node's log tells it (running or finished); undefined for a replicated journal. */
  status(sagaId: string): SagaStatus | undefined {
    return this.localLog === undefined ? undefined : sagaStatus(this.localLog.entries(sagaId), this.registry, sagaId);
  }

  /** Appends to the saga's log, then runs `then` if the saga is still this orchestrator's (and the same run of it). */
  private record(progress: SagaProgress, entry: SagaLogEntry, then: () => void): void {
    this.journal.append(progress.sagaId, entry, () => {
      if (this.running.get(progress.sagaId) === progress) then();
    });
  }

  /** Answers to a pending step or fence ignored because they came from a service it was not sent to. */
  answersNotAsked = 0;

  onMessage(from: NodeId, message: Message): void {
    if (!isSagaResult(message)) return;
    const asked = this.askedService.get(message.requestId);
    if (asked === undefined) return;
    if (asked !== from) return void this.answersNotAsked++;
    const fence = this.fences.get(message.requestId);
    if (fence !== undefined) return this.onFenceAnswer(message.requestId, fence, message.reply.ok ? { output: message.reply.result } : undefined);
    const attempt = this.requests.get(message.requestId);
    if (attempt === undefined) return;
    this.requests.delete(message.requestId);
    this.askedService.delete(message.requestId);
    if (message.reply.ok) this.succeed(attempt, message.reply.result);
    else this.fail(attempt, message.reply.reason);
  }

  // ---- moving a saga forward ---------------------------------------------------------------

  private advance(sagaId: string): void {
    const progress = this.running.get(sagaId);
    if (progress === undefined) return;
    const definition = this.registry.definition(progress.definition)!;
    const move = nextMove(progress, definition);
    if (move === undefined) return;
    if (move.kind === 'finish') {
      this.record(progress, { t: 'finished', state: move.state }, () => {
        progress.finished = move.state;
        this.running.delete(sagaId);
        this.env.trace('saga.finish', { saga: sagaId, state: move.state });
      });
      return;
    }
    this.startAttempt(progress, definition, move.step, move.phase);
  }

  private startAttempt(progress: SagaProgress, definition: SagaDefinition, step: number, phase: SagaPhase): void {
    if (this.running.get(progress.sagaId) !== progress) return;
    const attemptNumber = (progress.attempts.get(attemptKey(phase, step)) ?? 0) + 1;
    this.record(progress, { t: 'attempt', step, phase, attempt: attemptNumber }, () => this.runAttempt(progress, definition, step, phase, attemptNumber));
  }

  /** Runs an attempt whose start is in the log. */
  private runAttempt(progress: SagaProgress, definition: SagaDefinition, step: number, phase: SagaPhase, attemptNumber: number): void {
    progress.attempts.set(attemptKey(phase, step), attemptNumber);
    progress.inFlight = { step, phase, attempt: attemptNumber };
    const spec = definition.steps[step];
    const attempt: RunningAttempt = { sagaId: progress.sagaId, progress, step, phase, attempt: attemptNumber, settled: false, timer: undefined, sent: undefined, requestIds: [] };
    const timeoutMs = spec.timeoutMs ?? defaultStepTimeoutMs;
    attempt.timer = this.env.timers.setTimer(timeoutMs, () => this.fail(attempt, `timed out after ${timeoutMs} ms`, { outcomeKnown: false }));
    this.env.trace('saga.attempt', { saga: progress.sagaId, step: spec.name, phase, attempt: attemptNumber });
    const handler = phase === 'action' ? spec.action : spec.compensation!;
    try {
      handler(this.context(progress, definition, attempt));
    } catch (error) {
      this.fail(attempt, `threw ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  private context(progress: SagaProgress, definition: SagaDefinition, attempt: RunningAttempt): StepContext {
    const data: Record<string, unknown> = { ...progress.data };
    for (const [index, output] of progress.outputs) data[definition.steps[index].name] = output;
    const name = definition.steps[attempt.step].name;
    const idempotencyKey = `${progress.sagaId}/${name}/${attempt.phase}`;
    return {
      sagaId: progress.sagaId,
      step: name,
      phase: attempt.phase,
      attempt: attempt.attempt,
      idempotencyKey,
      data,
      succeed: (output) => this.succeed(attempt, output),
      fail: (reason) => this.fail(attempt, reason),
      send: (service, command, args) => {
        // A handler that sends after its attempt settled (timed out, say) sends nothing: no log
        // entry would account for the command, and no fence would settle it.
        if (attempt.settled) return;
        const requestId = `${this.incarnation}/${++this.nextRequest}`;
        this.requests.set(requestId, attempt);
        this.askedService.set(requestId, service);
        attempt.requestIds.push(requestId);
        attempt.sent = { service, command };
        const message: SagaCommand = { type: sagaCommandType, requestId, idempotencyKey, command, args: args ?? null };
        this.env.network.send(service, message);
      },
    };
  }

  private succeed(attempt: RunningAttempt, output: unknown): void {
    if (!this.settle(attempt)) return;
    this.recordCompleted(attempt, output);
  }

  private recordCompleted(attempt: RunningAttempt, output: unknown): void {
    const progress = this.running.get(attempt.sagaId)!;
    this.record(progress, { t: 'completed', step: attempt.step, phase: attempt.phase, ...(output === undefined ? {} : { output }) }, () => {
      this.env.trace('saga.step-done', { saga: attempt.sagaId, step: this.registry.definition(progress.definition)!.steps[attempt.step].name, phase: attempt.phase, attempt: attempt.attempt });
      progress.inFlight = undefined;
      if (attempt.phase === 'action') {
        progress.actionsDone.add(attempt.step);
        if (output !== undefined) progress.outputs.set(attempt.step, output);
      } else {
        progress.compensationsDone.add(attempt.step);
      }
      this.advance(attempt.sagaId);
    });
  }

  private fail(attempt: RunningAttempt, reason: string, how: { outcomeKnown: boolean } = { outcomeKnown: true }): void {
    if (!this.settle(attempt)) return;
    const progress = this.running.get(attempt.sagaId)!;
    const definition = this.registry.definition(progress.definition)!;
    const spec = definition.steps[attempt.step];
    const policy: RetryPolicy = attempt.phase === 'action' ? (spec.retry ?? noRetry) : (definition.compensationRetry ?? defaultCompensationRetry);
    this.env.trace('saga.attempt-failed', { saga: attempt.sagaId, step: spec.name, phase: attempt.phase, attempt: attempt.attempt, reason });
    if (attempt.attempt < policy.attemptsMax) {
      // Still in flight as far as the log knows: a crash during the back-off retries at once.
      this.env.timers.setTimer(backoffMs(policy, attempt.attempt + 1), () => this.startAttempt(progress, definition, attempt.step, attempt.phase));
      return;
    }
    // The last attempt's command may have been applied with its answer lost: settle it first,
    // unless the saga cancels a failed step anyway (its compensation voids the key itself).
    if (!how.outcomeKnown && attempt.sent !== undefined && definition.compensateFailedStep !== true) return this.sendFence(attempt, reason, 1);
    this.recordFailed(attempt, reason, false);
  }

  private recordFailed(attempt: RunningAttempt, reason: string, unknown: boolean): void {
    const progress = this.running.get(attempt.sagaId)!;
    const spec = this.registry.definition(progress.definition)!.steps[attempt.step];
    const marker = unknown ? { unknown: true as const } : {};
    this.record(progress, { t: 'failed', step: attempt.step, phase: attempt.phase, reason, attempts: attempt.attempt, ...marker }, () => {
      this.env.trace('saga.step-failed', { saga: attempt.sagaId, step: spec.name, phase: attempt.phase, attempt: attempt.attempt, reason });
      progress.inFlight = undefined;
      if (attempt.phase === 'action') progress.failure ??= { step: attempt.step, reason, attempts: attempt.attempt, ...marker };
      else progress.compensationFailures.push({ step: attempt.step, reason, attempts: attempt.attempt });
      this.advance(attempt.sagaId);
    });
  }

  /** Asks the attempt's service to settle its key for good; every round waits one step timeout. */
  private sendFence(attempt: RunningAttempt, reason: string, round: number): void {
    if (!this.running.has(attempt.sagaId)) return;
    const progress = this.running.get(attempt.sagaId)!;
    const definition = this.registry.definition(progress.definition)!;
    const spec = definition.steps[attempt.step];
    const requestId = `${this.incarnation}/${++this.nextRequest}`;
    const fence: PendingFence = { attempt, reason, round, answered: false };
    this.fences.set(requestId, fence);
    this.askedService.set(requestId, attempt.sent!.service);
    const idempotencyKey = `${attempt.sagaId}/${spec.name}/${attempt.phase}`;
    this.env.trace('saga.fence', { saga: attempt.sagaId, step: spec.name, phase: attempt.phase, round });
    const message: SagaCommand = { type: sagaCommandType, requestId, idempotencyKey, command: attempt.sent!.command, args: null, fence: true };
    this.env.network.send(attempt.sent!.service, message);
    this.env.timers.setTimer(spec.timeoutMs ?? defaultStepTimeoutMs, () => {
      if (fence.answered) return;
      this.fences.delete(requestId);
      this.askedService.delete(requestId);
      if (round < fenceRoundsMax) return this.sendFence(attempt, reason, round + 1);
      this.recordFailed(attempt, `${reason}; whether it took effect is unknown: ${attempt.sent!.service} did not answer ${round} fences`, true);
    });
  }

  /** The fence's answer: applied after all (the step completed), or never to be applied (the step failed). */
  private onFenceAnswer(requestId: string, fence: PendingFence, applied: { output: unknown } | undefined): void {
    this.fences.delete(requestId);
    this.askedService.delete(requestId);
    if (fence.answered || !this.running.has(fence.attempt.sagaId)) return;
    fence.answered = true;
    if (applied !== undefined) return this.recordCompleted(fence.attempt, applied.output);
    this.recordFailed(fence.attempt, fence.reason, false);
  }

  /** Marks an attempt as answered; false if it already was (a late or duplicated answer). */
  private settle(attempt: RunningAttempt): boolean {
    if (attempt.settled || this.running.get(attempt.sagaId) !== attempt.progress) return false;
    attempt.settled = true;
    if (attempt.timer !== undefined) this.env.timers.cancelTimer(attempt.timer);
    // Its requests are forgotten: a timed-out attempt's would otherwise stay for good, one per attempt.
    for (const requestId of attempt.requestIds) {
      this.requests.delete(requestId);
      this.askedService.delete(requestId);
    }
    return true;
  }
}

/** A saga's status read from its log's entries (works while the orchestrator is down, too). */
export function sagaStatus(entries: readonly SagaLogEntry[], registry: SagaRegistry, sagaId: string): SagaStatus | undefined {
  if (entries.length === 0) return undefined;
  const progress = replay(sagaId, entries);
  const definition = registry.definition(progress.definition);
  if (definition === undefined) throw new Error(`saga ${sagaId} follows ${progress.definition}, which is not defined`);
  const name = (index: number) => definition.steps[index].name;
  const compensated = entries.filter((entry) => entry.t === 'completed' && entry.phase === 'compensation').map((entry) => name((entry as { step: number }).step));
  const state: SagaState = progress.finished ?? 'running';
  const problems = problemsOf(progress, definition);
  return {
    sagaId,
    definition: definition.name,
    state,
    completed: [...progress.actionsDone].sort((a, b) => a - b).map(name),
    compensated,
    problems,
    summary: summarize(state, problems),
  };
}

function summarize(state: SagaState, problems: readonly SagaProblem[]): string {
  const words = (problem: SagaProblem) =>
    `${problem.phase === 'action' ? 'step' : 'the compensation of step'} "${problem.step}" failed after ${problem.attempts} attempt${problem.attempts === 1 ? '' : 's'}: ${problem.reason}`;
  switch (state) {
    case 'running':
      return 'running';
    case 'completed':
      return 'completed: every step succeeded';
    case 'compensated':
      return `compensated: ${problems.map(words).join('; ')}; every completed step was undone`;
    case 'needs-attention':
      return `needs attention: ${problems.map(words).join('; ')}`;
  }
}
