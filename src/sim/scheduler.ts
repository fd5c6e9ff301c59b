/**
 * The virtual clock and event scheduler: a binary min-heap ordered by
 * (time, insertion sequence). Equal times run in the order they were scheduled, which
 * with seeded randomness makes every run reproducible.
 */

export interface ScheduledEvent {
  readonly timeMs: number;
  readonly sequence: number;
  callback: (() => void) | null; // null once cancelled or run
}

export class SimulationTimeoutError extends Error {
  constructor(
    readonly waitedFor: string,
    readonly virtualTimeMs: number,
    readonly status: string,
  ) {
    super(
      `Timed out waiting for ${waitedFor}: still false at virtual time ${formatVirtualTime(virtualTimeMs)}. ` +
        `Cluster: ${status}`,
    );
    this.name = 'SimulationTimeoutError';
  }
}

export function formatVirtualTime(timeMs: number): string {
  if (timeMs < 1000) return `${Math.round(timeMs * 1000) / 1000} ms`;
  return `${(timeMs / 1000).toFixed(3)} s`;
}

export interface RunUntilOptions {
  /** The bound in virtual milliseconds. */
  withinMs: number;
  /**
   * What the predicate means, for the error message ("a leader in group shard-1"). A function
   * is asked only when the wait fails, so text that describes the system ("locks held: ...")
   * describes it as it is then, not as it was when the wait began.
   */
  waitingFor?: string | (() => string);
  /**
   * Check the predicate only once virtual time has moved this far since the last check
   * (default 0: before every event). For costly predicates such as cluster-wide agreement.
   */
  pollMs?: number;
}

export class Scheduler {
  private heap: ScheduledEvent[] = [];
  /** Cancelled events still in the heap (removed lazily, or all at once when they pile up). */
  private cancelledInHeap = 0;
  private sequence = 0;
  private currentTimeMs = 0;
  private executed = 0;
  /**
   * Limits every run loop so that a livelock shows as an error, not a hang. Steps are
   * synchronous, so cucumber's step time-out cannot stop them: this bound is the backstop
   * (a few seconds of wall time; a 60-second chaos run needs about 300,000 events).
   */
  maxEventsPerRun = 5_000_000;
  /** One-line description of the system, used in time-out errors. */
  statusProvider: () => string = () => 'no status available';

  get nowMs(): number {
    return this.currentTimeMs;
  }

  get eventsExecuted(): number {
    return this.executed;
  }

  get pendingEvents(): number {
    return this.heap.length;
  }

  /** Schedules `callback` at now + delayMs. Negative or NaN delays are programming errors. */
  schedule(delayMs: number, callback: () => void): ScheduledEvent {
    if (!(delayMs >= 0)) throw new RangeError(`schedule() needs a delay >= 0 ms, got ${delayMs}`);
    return this.push(this.currentTimeMs + delayMs, callback);
  }

  scheduleAt(timeMs: number, callback: () => void): ScheduledEvent {
    if (!(timeMs >= this.currentTimeMs)) {
      throw new RangeError(`scheduleAt(${timeMs}) is in the past (now ${this.currentTimeMs})`);
    }
    return this.push(timeMs, callback);
  }

  cancel(event: ScheduledEvent): void {
    if (event.callback === null) return;
    event.callback = null;
    // Long timers that are almost always cancelled (request deadlines) would otherwise
    // fill the heap; dropping them in one pass keeps its size proportional to live work.
    if (++this.cancelledInHeap > 4096 && this.cancelledInHeap * 2 > this.heap.length) this.dropCancelled();
  }

  private dropCancelled(): void {
    const live = this.heap.filter((event) => event.callback !== null);
    live.sort((a, b) => (before(a, b) ? -1 : before(b, a) ? 1 : 0));
    this.heap = live; // a sorted array is a valid binary min-heap
    this.cancelledInHeap = 0;
  }

  /** Runs one event. Returns false when nothing is left. */
  step(): boolean {
    const event = this.pop();
    if (!event) return false;
    this.currentTimeMs = event.timeMs;
    const callback = event.callback;
    if (!callback) this.cancelledInHeap--;
    if (callback) {
      event.callback = null;
      this.executed++;
      callback();
    }
    return true;
  }

  /** Advances virtual time by exactly `durationMs`, running every event due on the way. */
  runFor(durationMs: number): void {
    if (!(durationMs >= 0)) throw new RangeError(`runFor() needs a duration >= 0 ms, got ${durationMs}`);
    const endMs = this.currentTimeMs + durationMs;
    let budget = this.maxEventsPerRun;
    while (this.heap.length > 0 && this.heap[0].timeMs <= endMs) {
      this.step();
      if (--budget === 0) this.livelock(`${durationMs} ms to pass`);
    }
    this.currentTimeMs = endMs;
  }

  /**
   * Runs events until `predicate()` holds, checking it before each event. Throws a
   * SimulationTimeoutError naming what it waited for when `withinMs` passes first.
   */
  runUntil(predicate: () => boolean, options: RunUntilOptions): void {
    const deadlineMs = this.currentTimeMs + options.withinMs;
    const waitingFor = (): string => (typeof options.waitingFor === 'function' ? options.waitingFor() : options.waitingFor ?? 'a condition');
    const pollMs = options.pollMs ?? 0;
    let nextCheckMs = this.currentTimeMs;
    let budget = this.maxEventsPerRun;
    for (;;) {
      if (this.currentTimeMs >= nextCheckMs) {
        if (predicate()) return;
        nextCheckMs = this.currentTimeMs + pollMs;
      }
      if (this.heap.length === 0 || this.heap[0].timeMs > deadlineMs) {
        this.currentTimeMs = Math.max(this.currentTimeMs, deadlineMs);
        if (predicate()) return;
        throw new SimulationTimeoutError(`${waitingFor()} (within ${formatVirtualTime(options.withinMs)})`, this.currentTimeMs, this.statusProvider());
      }
      this.step();
      if (--budget === 0) this.livelock(waitingFor());
    }
  }

  /** Drops every pending event (used when a simulation is disposed). */
  clear(): void {
    this.heap = [];
    this.cancelledInHeap = 0;
  }

  private livelock(waitingFor: string): never {
    throw new SimulationTimeoutError(
      `${waitingFor}, but ran ${this.maxEventsPerRun} events without getting there (livelock?)`,
      this.currentTimeMs,
      this.statusProvider(),
    );
  }

  private push(timeMs: number, callback: () => void): ScheduledEvent {
    const event: ScheduledEvent = { timeMs, sequence: this.sequence++, callback };
    const heap = this.heap;
    let index = heap.length;
    heap.push(event);
    while (index > 0) {
      const parentIndex = (index - 1) >> 1;
      const parent = heap[parentIndex];
      if (!before(event, parent)) break;
      heap[index] = parent;
      index = parentIndex;
    }
    heap[index] = event;
    return event;
  }

  private pop(): ScheduledEvent | undefined {
    const heap = this.heap;
    if (heap.length === 0) return undefined;
    const top = heap[0];
    const last = heap.pop()!;
    const size = heap.length;
    if (size > 0) {
      let index = 0;
      for (;;) {
        const left = 2 * index + 1;
        if (left >= size) break;
        const right = left + 1;
        const child = right < size && before(heap[right], heap[left]) ? right : left;
        if (!before(heap[child], last)) break;
        heap[index] = heap[child];
        index = child;
      }
      heap[index] = last;
    }
    return top;
  }
}

function before(a: ScheduledEvent, b: ScheduledEvent): boolean {
  return a.timeMs < b.timeMs || (a.timeMs === b.timeMs && a.sequence < b.sequence);
}
