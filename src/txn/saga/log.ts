import type { DiskPort } from '../../runtime/ports';
import type { SagaDefinition, SagaPhase } from './definition';

/**
 * The durable saga log, on the orchestrator's disk. The orchestrator writes ahead: it
 * logs (and syncs) an attempt before it starts the attempt, and an outcome before it acts
 * on it. After a crash, replaying the log tells exactly which steps completed (they are
 * never run again), which attempt was in flight (it is sent again with the same
 * idempotency key, so its service applies it at most once), and where compensation was.
 *
 * Layout: `saga/index` lists saga ids in start order; `saga/log/<id>` is one saga's entries.
 */

export type SagaState = 'running' | 'completed' | 'compensated' | 'needs-attention';

export interface SagaProblem {
  readonly step: string;
  readonly phase: SagaPhase;
  readonly reason: string;
  readonly attempts: number;
}

export type SagaLogEntry =
  | { readonly t: 'started'; readonly definition: string; readonly data: Readonly<Record<string, unknown>> }
  | { readonly t: 'attempt'; readonly step: number; readonly phase: SagaPhase; readonly attempt: number }
  | { readonly t: 'completed'; readonly step: number; readonly phase: SagaPhase; readonly output?: unknown }
  | { readonly t: 'failed'; readonly step: number; readonly phase: SagaPhase; readonly reason: string; readonly attempts: number }
  | { readonly t: 'finished'; readonly state: Exclude<SagaState, 'running'> };

const indexKey = 'saga/index';
const logKey = (sagaId: string) => `saga/log/${sagaId}`;

export class SagaLog {
  constructor(private readonly disk: DiskPort) {}

  ids(): string[] {
    return [...(this.disk.get<string[]>(indexKey) ?? [])];
  }

  entries(sagaId: string): readonly SagaLogEntry[] {
    return this.disk.get<SagaLogEntry[]>(logKey(sagaId)) ?? [];
  }

  /** Creates a saga's log with its first entry; durable when this returns. */
  create(sagaId: string, started: Extract<SagaLogEntry, { t: 'started' }>): void {
    if (this.ids().includes(sagaId)) throw new Error(`saga ${sagaId} already exists`);
    this.disk.append(indexKey, [sagaId]);
    this.disk.append(logKey(sagaId), [started]);
    this.disk.sync();
  }

  /** Appends one entry; durable when this returns. */
  append(sagaId: string, entry: SagaLogEntry): void {
    this.disk.append(logKey(sagaId), [entry]);
    this.disk.sync();
  }
}

export type SagaStartedEntry = Extract<SagaLogEntry, { t: 'started' }>;

/**
 * Where an orchestrator writes its log ahead: its own disk (`LocalSagaJournal`, durable at
 * once) or the replicated store (`store-journal.ts`, durable once a transaction commits).
 * The orchestrator acts on an entry only inside `durable`, so whatever it did is in the
 * log that a restarted or a standby orchestrator resumes from. A journal that may no
 * longer write the saga's log (another orchestrator took it over) never calls `durable`.
 */
export interface SagaJournal {
  create(sagaId: string, started: SagaStartedEntry, durable: () => void): void;
  append(sagaId: string, entry: SagaLogEntry, durable: () => void): void;
}

/** The log on the orchestrator's own disk: each write is synced before `durable` runs. */
export class LocalSagaJournal implements SagaJournal {
  constructor(readonly log: SagaLog) {}

  create(sagaId: string, started: SagaStartedEntry, durable: () => void): void {
    this.log.create(sagaId, started);
    durable();
  }

  append(sagaId: string, entry: SagaLogEntry, durable: () => void): void {
    this.log.append(sagaId, entry);
    durable();
  }
}

/** What a saga's log says about it. */
export interface SagaProgress {
  readonly sagaId: string;
  readonly definition: string;
  /** The saga's input. */
  readonly data: Record<string, unknown>;
  /** Outputs of completed actions, by step index. */
  readonly outputs: Map<number, unknown>;
  readonly actionsDone: Set<number>;
  readonly compensationsDone: Set<number>;
  /** The last attempt number per `phase/step`. */
  readonly attempts: Map<string, number>;
  /** An attempt logged as started with no outcome yet: cut short by a crash. */
  inFlight: { step: number; phase: SagaPhase; attempt: number } | undefined;
  /** The action that failed for good, which turned the saga around. */
  failure: { step: number; reason: string; attempts: number } | undefined;
  readonly compensationFailures: { step: number; reason: string; attempts: number }[];
  finished: Exclude<SagaState, 'running'> | undefined;
}

export function attemptKey(phase: SagaPhase, step: number): string {
  return `${phase}/${step}`;
}

export function replay(sagaId: string, entries: readonly SagaLogEntry[]): SagaProgress {
  const first = entries[0];
  if (first?.t !== 'started') throw new Error(`the log of saga ${sagaId} does not begin with its start`);
  const progress: SagaProgress = {
    sagaId,
    definition: first.definition,
    data: { ...first.data },
    outputs: new Map(),
    actionsDone: new Set(),
    compensationsDone: new Set(),
    attempts: new Map(),
    inFlight: undefined,
    failure: undefined,
    compensationFailures: [],
    finished: undefined,
  };
  for (const entry of entries.slice(1)) {
    switch (entry.t) {
      case 'attempt':
        progress.attempts.set(attemptKey(entry.phase, entry.step), entry.attempt);
        progress.inFlight = { step: entry.step, phase: entry.phase, attempt: entry.attempt };
        break;
      case 'completed':
        progress.inFlight = undefined;
        if (entry.phase === 'action' && entry.output !== undefined) progress.outputs.set(entry.step, entry.output);
        if (entry.phase === 'action') progress.actionsDone.add(entry.step);
        else progress.compensationsDone.add(entry.step);
        break;
      case 'failed':
        progress.inFlight = undefined;
        if (entry.phase === 'action') progress.failure ??= { step: entry.step, reason: entry.reason, attempts: entry.attempts };
        else progress.compensationFailures.push({ step: entry.step, reason: entry.reason, attempts: entry.attempts });
        break;
      case 'finished':
        progress.finished = entry.state;
        break;
      case 'started':
        throw new Error(`saga ${sagaId} is started twice in its log`);
    }
  }
  return progress;
}

/** The next thing to do for a saga, given its definition. */
export type NextMove =
  | { readonly kind: 'run'; readonly step: number; readonly phase: SagaPhase }
  | { readonly kind: 'finish'; readonly state: Exclude<SagaState, 'running'> };

export function nextMove(progress: SagaProgress, definition: SagaDefinition): NextMove | undefined {
  if (progress.finished !== undefined) return undefined;
  if (progress.inFlight !== undefined) return { kind: 'run', step: progress.inFlight.step, phase: progress.inFlight.phase };
  const steps = definition.steps;
  if (progress.failure === undefined) {
    const next = steps.findIndex((_, index) => !progress.actionsDone.has(index));
    return next < 0 ? { kind: 'finish', state: 'completed' } : { kind: 'run', step: next, phase: 'action' };
  }
  const pivot = steps.findIndex((step) => step.pivot === true);
  // Past the pivot there is no going back: the failed step needs a person.
  if (pivot >= 0 && progress.failure.step > pivot) return { kind: 'finish', state: 'needs-attention' };
  const failedCompensations = new Set(progress.compensationFailures.map((failure) => failure.step));
  // The failed step itself is compensated too when the definition says its compensation
  // cancels an attempt whose answer was lost (it may have applied after all).
  const failedStepToo = definition.compensateFailedStep === true;
  for (let index = progress.failure.step - (failedStepToo ? 0 : 1); index >= 0; index--) {
    const attempted = progress.actionsDone.has(index) || (failedStepToo && index === progress.failure.step);
    if (!attempted || steps[index].compensation === undefined) continue;
    if (progress.compensationsDone.has(index) || failedCompensations.has(index)) continue;
    return { kind: 'run', step: index, phase: 'compensation' };
  }
  return { kind: 'finish', state: failedCompensations.size > 0 ? 'needs-attention' : 'compensated' };
}

/** The problems a finished saga reports: the failure that turned it around, and every compensation that failed. */
export function problemsOf(progress: SagaProgress, definition: SagaDefinition): SagaProblem[] {
  const problems: SagaProblem[] = [];
  if (progress.failure !== undefined) {
    problems.push({ step: definition.steps[progress.failure.step].name, phase: 'action', reason: progress.failure.reason, attempts: progress.failure.attempts });
  }
  for (const failure of progress.compensationFailures) {
    problems.push({ step: definition.steps[failure.step].name, phase: 'compensation', reason: failure.reason, attempts: failure.attempts });
  }
  return problems;
}
