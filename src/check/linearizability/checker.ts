import { buildExplanation, type ViolationExplanation } from './explanation';
import { asParsedHistory, validateHistory, type HistoryEvent, type ParsedHistory, type PartitionKey } from './history';
import type { AnyModel } from './model';
import { partitionHistory, type Partition } from './partition';
import { defaultMaxStates, PartitionSearch, type Verdict } from './search';
import { decideByShortcut, type ShortcutDecision, type ShortcutName } from './shortcuts';

export type { Verdict } from './search';

export interface CheckOptions {
  /**
   * Milliseconds from some fixed origin. The checker never reads real time itself
   * (src/ stays deterministic); a caller that wants a time limit injects a clock.
   */
  readonly clock?: () => number;
  /** Give up with verdict `unknown` after this long; needs `clock`. */
  readonly timeoutMs?: number;
  /** A deterministic budget: give up after this many search steps over all partitions. */
  readonly maxSearchSteps?: number;
  /** Keep searching the other keys after one is found not linearizable (default false). */
  readonly findAllViolations?: boolean;
  /**
   * Memory the search caches of all keys may take together (default 512 MiB). Past it
   * the search stops caching: slower, never wrong.
   */
  readonly cacheBytesMax?: number;
  /**
   * Model states one key's search may create (default 4,194,304). Past it that key's
   * verdict is `unknown` (`state-limit`): the check ends instead of running out of memory.
   */
  readonly maxStates?: number;
  /** Use the polynomial-time decisions where they apply (default true; see shortcuts.ts). */
  readonly shortcuts?: boolean;
}

export type UndecidedReason = 'time-limit' | 'step-limit' | 'state-limit' | 'violation-found-elsewhere';

/** What decided a partition: the general search or one of the shortcuts. */
export type DecidedBy = 'search' | ShortcutName;

export interface PartitionResult {
  /** The key this sub-history covers; null for a history without keys. */
  readonly key: PartitionKey | null;
  readonly verdict: Verdict;
  /** Why the search stopped before deciding, when the verdict is unknown. */
  readonly undecidedBecause?: UndecidedReason;
  /** The limit that stopped it, in words (for `state-limit`, `step-limit`, `time-limit`). */
  readonly limit?: string;
  readonly decidedBy?: DecidedBy;
  readonly operationCount: number;
  readonly searchSteps: number;
}

export interface LinearizabilityResult {
  readonly verdict: Verdict;
  readonly model: string;
  readonly partitions: readonly PartitionResult[];
  /** For a violation: the first partition found failing, explained. */
  readonly explanation?: ViolationExplanation;
}

/**
 * Partitions are searched in turns of this many steps, like Porcupine's parallel
 * goroutines but deterministic: a key that fails quickly is found quickly even when
 * another key would take a long time to prove linearizable.
 */
const turnSteps = 1 << 14;

const defaultCacheBytesMax = 512 * 1024 * 1024;

/**
 * Checks a history against a model, key by key. Throws HistoryParseError when the
 * history itself is malformed.
 */
export function checkLinearizability(
  history: ParsedHistory | readonly HistoryEvent[],
  model: AnyModel,
  options: CheckOptions = {},
): LinearizabilityResult {
  const parsed = asParsedHistory(history);
  validateHistory(parsed, model);
  const partitions = partitionHistory(parsed, model);
  const useShortcuts = options.shortcuts ?? true;
  const cacheBudget = { bytesLeft: options.cacheBytesMax ?? defaultCacheBytesMax };
  const maxStates = options.maxStates ?? defaultMaxStates;
  if (!(maxStates >= 1)) throw new RangeError(`maxStates must be >= 1, got ${maxStates}`);
  const deciders = partitions.map((partition): Decider => {
    const decision = useShortcuts ? decideByShortcut(partition, model.name) : undefined;
    return decision === undefined ? new PartitionSearch(partition, model, cacheBudget, maxStates) : new ShortcutDecider(decision);
  });
  const { stopReason, failures } = searchInTurns(deciders, new Budget(options), options.findAllViolations ?? false);
  const limits = { 'state-limit': `${maxStates} model states per key (maxStates)`, 'step-limit': `${options.maxSearchSteps} search steps (maxSearchSteps)`, 'time-limit': `${options.timeoutMs} ms (timeout)` };
  const results = partitions.map((partition, index) => partitionResult(partition, deciders[index], stopReason, limits));
  const result: LinearizabilityResult = { verdict: overallVerdict(results), model: model.name, partitions: results };
  if (failures.length === 0) return result;
  const first = failures[0];
  const decider = deciders[first];
  if (decider instanceof PartitionSearch) return { ...result, explanation: buildExplanation(partitions[first], decider.deepestPoint(), model, parsed) };
  return { ...result, explanation: explainShortcutViolation(partitions[first], (decider as ShortcutDecider).decision, model, parsed, maxStates) };
}

/**
 * Explains a violation a shortcut found. A short general search usually finds the model's
 * own dead end, which reads best ("get returned X but the key holds Y"), and confirms the
 * shortcut; when it cannot finish within a few milliseconds, the shortcut's dead end is used.
 */
function explainShortcutViolation(partition: Partition, decision: ShortcutDecision, model: AnyModel, history: ParsedHistory, maxStates: number): ViolationExplanation {
  if (decision.verdict !== 'not-linearizable') throw new Error('only a violation is explained');
  const search = new PartitionSearch(partition, model, { bytesLeft: explanationCacheBytes }, maxStates);
  const verdict = search.run(explanationSearchSteps);
  if (verdict === 'linearizable') throw new Error(`the ${decision.by} shortcut and the search disagree on key ${JSON.stringify(partition.key)}`);
  if (verdict === 'not-linearizable') return buildExplanation(partition, search.deepestPoint(), model, history);
  return buildExplanation(partition, decision.deadEnd, model, history, decision.reason);
}

const explanationSearchSteps = 1 << 16;
const explanationCacheBytes = 16 * 1024 * 1024;

/** What the turns run: a search, or a shortcut's decision (taken at its first turn). */
interface Decider {
  readonly verdict: Verdict | undefined;
  readonly steps: number;
  readonly stoppedAtStateLimit: boolean;
  run(stepBudget: number): Verdict | undefined;
}

class ShortcutDecider implements Decider {
  private taken = false;
  readonly steps = 0;
  readonly stoppedAtStateLimit = false;

  constructor(readonly decision: ShortcutDecision) {}

  get verdict(): Verdict | undefined {
    return this.taken ? this.decision.verdict : undefined;
  }

  run(): Verdict {
    this.taken = true;
    return this.decision.verdict;
  }
}

interface TurnsOutcome {
  /** Why the search stopped with partitions undecided, if it did. */
  readonly stopReason?: UndecidedReason;
  /** Indexes of the searches found not linearizable, in the order they were found. */
  readonly failures: readonly number[];
}

/** Runs undecided searches round-robin until all are decided or the check must stop. */
function searchInTurns(searches: readonly Decider[], budget: Budget, findAllViolations: boolean): TurnsOutcome {
  const failures: number[] = [];
  const open = (index: number): boolean => searches[index].verdict === undefined && !searches[index].stoppedAtStateLimit;
  let active = searches.map((_, index) => index).filter(open);
  while (active.length > 0) {
    for (const index of active) {
      const search = searches[index];
      const stepsBefore = search.steps;
      const verdict = search.run(Math.min(turnSteps, budget.stepsLeft));
      budget.spend(search.steps - stepsBefore);
      if (verdict === 'not-linearizable') {
        failures.push(index);
        if (!findAllViolations) return { stopReason: 'violation-found-elsewhere', failures };
      }
      const exhausted = budget.exhaustedBecause();
      if (exhausted !== undefined) return { stopReason: exhausted, failures };
    }
    active = active.filter(open);
  }
  return { failures };
}

function partitionResult(
  partition: Partition,
  decider: Decider,
  stopReason: UndecidedReason | undefined,
  limits: Readonly<Record<'state-limit' | 'step-limit' | 'time-limit', string>>,
): PartitionResult {
  const counts = { operationCount: partition.operations.length, searchSteps: decider.steps };
  const decidedBy = decider instanceof ShortcutDecider ? decider.decision.by : 'search';
  if (decider.verdict !== undefined) return { key: partition.key, verdict: decider.verdict, decidedBy, ...counts };
  const reason = decider.stoppedAtStateLimit ? 'state-limit' : stopReason;
  if (reason === undefined) throw new Error('a search stopped without a verdict or a reason');
  const limit = reason === 'violation-found-elsewhere' ? undefined : limits[reason];
  return { key: partition.key, verdict: 'unknown', undecidedBecause: reason, ...(limit === undefined ? {} : { limit }), ...counts };
}

/** One violation anywhere decides; otherwise any unfinished partition leaves it open. */
function overallVerdict(partitions: readonly PartitionResult[]): Verdict {
  if (partitions.some((partition) => partition.verdict === 'not-linearizable')) return 'not-linearizable';
  if (partitions.some((partition) => partition.verdict === 'unknown')) return 'unknown';
  return 'linearizable';
}

/** The time and step limits of one check. */
class Budget {
  private stepsSpent = 0;
  private readonly stepsMax: number;
  private readonly deadlineMs: number;
  private readonly clock: (() => number) | undefined;

  constructor(options: CheckOptions) {
    const { clock, timeoutMs, maxSearchSteps } = options;
    if (timeoutMs !== undefined && clock === undefined) throw new Error('timeoutMs needs a clock');
    if (timeoutMs !== undefined && !(timeoutMs >= 0)) throw new RangeError(`timeoutMs must be >= 0, got ${timeoutMs}`);
    if (maxSearchSteps !== undefined && !(maxSearchSteps >= 1)) {
      throw new RangeError(`maxSearchSteps must be >= 1, got ${maxSearchSteps}`);
    }
    this.clock = timeoutMs === undefined ? undefined : clock;
    this.deadlineMs = this.clock === undefined ? Infinity : this.clock() + timeoutMs!;
    this.stepsMax = maxSearchSteps ?? Infinity;
  }

  get stepsLeft(): number {
    return Math.max(1, this.stepsMax - this.stepsSpent);
  }

  spend(steps: number): void {
    this.stepsSpent += steps;
  }

  exhaustedBecause(): UndecidedReason | undefined {
    if (this.stepsSpent >= this.stepsMax) return 'step-limit';
    if (this.clock !== undefined && this.clock() > this.deadlineMs) return 'time-limit';
    return undefined;
  }
}
