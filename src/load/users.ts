import type { SeededRandom, Simulation } from '../sim';
import type { LoadSample } from './stats';

/** What a simulated user does; the scenario maps each kind onto real clients. */
export interface LoadOperations {
  /**
   * Starts one operation of `kind` for `user` and calls `done` exactly once, inside the
   * simulation event that ended it (ok, or not with a reason).
   */
  start(kind: string, user: number, random: SeededRandom, done: (ok: boolean, reason?: string) => void): void;
}

export interface LoadMix {
  /** Operation kinds with their shares; shares are positive and sum to 1. */
  readonly shares: ReadonlyMap<string, number>;
}

export interface LoadUsersOptions {
  readonly mix: LoadMix;
  /** Pause between the end of a user's operation and its next one (uniform). */
  readonly thinkTimeMs: { readonly minMs: number; readonly maxMs: number };
  /** Upper bound on users (every queue has a limit). */
  readonly usersMax?: number;
}

export function validateMix(shares: ReadonlyMap<string, number>): void {
  if (shares.size === 0) throw new Error('a load mix needs at least one operation kind');
  for (const [kind, share] of shares) if (!(share >= 0 && share <= 1)) throw new RangeError(`the share of ${kind} must be within 0%..100%, got ${share}`);
  const total = [...shares.values()].reduce((sum, share) => sum + share, 0);
  if (Math.abs(total - 1) > 1e-9) throw new Error(`the shares of the load mix add up to ${Math.round(total * 1000) / 10}%, not 100%: ${[...shares].map(([kind, share]) => `${kind} ${Math.round(share * 1000) / 10}%`).join(', ')}`);
}

/**
 * Closed-loop simulated users (k6 "virtual users"): each one thinks, runs one operation,
 * waits for its end, thinks again. The number of users can grow while running (the
 * stress ramp). Choices come from the `load` random stream, so adding users does not
 * disturb the network's or the nodes' randomness.
 */
export class LoadUsers {
  readonly samples: LoadSample[] = [];
  private readonly random: SeededRandom;
  private readonly kinds: [string, number][];
  private active = 0;
  private running = false;
  private inFlight = 0;

  constructor(
    private readonly sim: Simulation,
    private readonly operations: LoadOperations,
    private readonly options: LoadUsersOptions,
  ) {
    validateMix(options.mix.shares);
    if (!(options.thinkTimeMs.minMs >= 0 && options.thinkTimeMs.maxMs >= options.thinkTimeMs.minMs)) throw new RangeError('think time needs 0 <= min <= max');
    this.random = sim.random.stream('load');
    this.kinds = [...options.mix.shares].filter(([, share]) => share > 0);
  }

  get users(): number {
    return this.active;
  }

  get idle(): boolean {
    return this.inFlight === 0;
  }

  /** Starts users until there are `count` of them (users are never removed while running). */
  setUsers(count: number): void {
    const bound = this.options.usersMax ?? 10_000;
    if (!Number.isInteger(count) || count < 1 || count > bound) throw new RangeError(`users must be a whole number from 1 to ${bound}, got ${count}`);
    this.running = true;
    while (this.active < count) this.think(++this.active);
  }

  /** No new operations; those in flight finish and are still recorded. */
  stop(): void {
    this.running = false;
  }

  private think(user: number): void {
    const { minMs, maxMs } = this.options.thinkTimeMs;
    this.sim.scheduler.schedule(this.random.between(minMs, maxMs), () => {
      if (this.running) this.act(user);
    });
  }

  private act(user: number): void {
    const kind = this.pickKind();
    const startMs = this.sim.nowMs;
    let finished = false;
    this.inFlight++;
    this.operations.start(kind, user, this.random, (ok, reason) => {
      if (finished) throw new Error(`operation ${kind} of user ${user} ended twice`);
      finished = true;
      this.inFlight--;
      this.samples.push(ok ? { kind, startMs, endMs: this.sim.nowMs, ok } : { kind, startMs, endMs: this.sim.nowMs, ok, reason });
      this.think(user);
    });
  }

  private pickKind(): string {
    let roll = this.random.next();
    for (const [kind, share] of this.kinds) {
      if (roll < share) return kind;
      roll -= share;
    }
    return this.kinds[this.kinds.length - 1][0];
  }
}
