import { buildExplanation, type ViolationExplanation } from './explanation';
import { asParsedHistory, validateHistory, type HistoryEvent, type ParsedHistory, type PartitionKey } from './history';
import type { AnyModel } from './model';
import { partitionHistory, type Partition } from './partition';
import { PartitionSearch, type Verdict } from './search';

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
}

export type UndecidedReason = 'time-limit' | 'step-limit' | 'violation-found-elsewhere';

export interface PartitionResult {
  /** The key this sub-history covers; null for a history without keys. */
  readonly key: PartitionKey | null;
  readonly verdict: Verdict;
  /** Why the search stopped before deciding, when the verdict is unknown. */
  readonly undecidedBecause?: UndecidedReason;
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
  const cacheBudget = { bytesLeft: options.cacheBytesMax ?? defaultCacheBytesMax };
  const searches = partitions.map((partition) => new PartitionSearch(partition, model, cacheBudget));
  const { stopReason, failures } = searchInTurns(searches, new Budget(options), options.findAllViolations ?? false);
  const results = partitions.map((partition, index) => partitionResult(partition, searches[index], stopReason));
  const result: LinearizabilityResult = { verdict: overallVerdict(results), model: model.name, partitions: results };
  if (failures.length === 0) return result;
  const first = failures[0];
  return { ...result, explanation: buildExplanation(partitions[first], searches[first].deepestPoint(), model, parsed) };
}

interface TurnsOutcome {
  /** Why the search stopped with partitions undecided, if it did. */
  readonly stopReason?: UndecidedReason;
  /** Indexes of the searches found not linearizable, in the order they were found. */
  readonly failures: readonly number[];
}

/** Runs undecided searches round-robin until all are decided or the check must stop. */
function searchInTurns(searches: readonly PartitionSearch[], budget: Budget, findAllViolations: boolean): TurnsOutcome {
  const failures: number[] = [];
  let active = searches.map((_, index) => index).filter((index) => searches[index].verdict === undefined);
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
    active = active.filter((index) => searches[index].verdict === undefined);
  }
  return { failures };
}

function partitionResult(partition: Partition, search: PartitionSearch, stopReason?: UndecidedReason): PartitionResult {
  const counts = { operationCount: partition.operations.length, searchSteps: search.steps };
  if (search.verdict !== undefined) return { key: partition.key, verdict: search.verdict, ...counts };
  if (stopReason === undefined) throw new Error('a search stopped without a verdict or a reason');
  return { key: partition.key, verdict: 'unknown', undecidedBecause: stopReason, ...counts };
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
