import type { NodeEnv } from '../../src/runtime/ports';
import type { SimDisk } from '../../src/sim/disk';
import { SeededRandom } from '../../src/sim/random';

/** Node n1's outside world for a host under test: a clock and timers run by hand, a given disk, a network that drops everything. */
export class ManualNodeEnv {
  private timers: { atMs: number; callback: () => void }[] = [];
  /** Everything n1 sent, in order (the network delivers none of it). */
  readonly sent: { to: string; message: unknown }[] = [];
  /** The hand-run clock, in ms. */
  nowMs = 0;

  env(disk: SimDisk): NodeEnv {
    return {
      id: 'n1',
      clock: { nowMs: () => this.nowMs },
      timers: { setTimer: (delayMs, callback) => this.timers.push({ atMs: this.nowMs + delayMs, callback }), cancelTimer: () => undefined },
      network: { send: (to, message) => { this.sent.push({ to, message }); } },
      disk,
      random: new SeededRandom(7),
      trace: () => undefined,
    };
  }

  /** Runs every timer due within `ms` (the fsync completions among them), in time order. */
  advance(ms: number): void {
    const until = this.nowMs + ms;
    for (;;) {
      this.timers.sort((a, b) => a.atMs - b.atMs);
      const next = this.timers[0];
      if (next === undefined || next.atMs > until) break;
      this.timers.shift();
      this.nowMs = next.atMs;
      next.callback();
    }
    this.nowMs = until;
  }

  /** The process died: its pending timers (an fsync in flight) vanish. */
  dropTimers(): void {
    this.timers = [];
  }
}
