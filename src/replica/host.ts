import { Digest } from '../util/hash';
import type { StateMachineModule } from './module';

/**
 * The host of a replicated state machine made of modules (Raft thesis §5.1: the state
 * machine is a deterministic function of the committed log). It keeps the applied index,
 * dispatches each committed entry to the one module whose kind field it carries, and
 * assembles the snapshot from the modules' parts (`format` and `lastAppliedIndex` first,
 * then each module's fields in module order).
 *
 * Restore is all-or-nothing: every module parses its part before any module loads, so a
 * malformed snapshot throws and leaves the whole state (and the applied index) as it was.
 *
 * Everything here is a function of the applied entries: no clock, no randomness.
 */
export class StateMachineHost {
  /** Invariant: strictly increases with every applied entry. 0 before the first. */
  private appliedIndex = 0;
  private readonly byKind = new Map<string, StateMachineModule>();

  constructor(
    private readonly format: string,
    private readonly modules: readonly StateMachineModule[],
  ) {
    for (const module of modules) {
      if (this.byKind.has(module.kind)) throw new Error(`two modules of ${format} own entries of kind ${module.kind}`);
      this.byKind.set(module.kind, module);
    }
  }

  get lastAppliedIndex(): number {
    return this.appliedIndex;
  }

  /** The module that owns an entry: the one whose kind field it carries (exactly one). */
  moduleFor(entry: unknown): StateMachineModule {
    let owner: StateMachineModule | undefined;
    if (typeof entry === 'object' && entry !== null) {
      // The modules in order (kinds are unique, see the constructor): walking the array
      // allocates nothing on this per-entry path, iterating the map's entries does.
      for (const module of this.modules) {
        if (!(module.kind in entry)) continue;
        if (owner !== undefined) throw new TypeError(`modules ${owner.name} and ${module.name} both claim the entry ${describe(entry)} (${this.format})`);
        owner = module;
      }
    }
    if (owner === undefined) throw new TypeError(`no module owns the entry ${describe(entry)} (${this.format})`);
    return owner;
  }

  /** Applies the entry committed at `logIndex`. Indexes must strictly increase (entries
   *  that reach no module, such as Raft no-ops, may leave gaps). */
  apply(entry: unknown, logIndex: number): unknown {
    if (!Number.isInteger(logIndex) || logIndex <= this.appliedIndex) {
      throw new Error(`apply at log index ${logIndex} after ${this.appliedIndex}: indexes must strictly increase`);
    }
    const module = this.moduleFor(entry);
    module.validate(entry);
    this.appliedIndex = logIndex;
    return module.apply(entry, logIndex);
  }

  snapshot(): Record<string, unknown> {
    let snapshot: Record<string, unknown> = { format: this.format, lastAppliedIndex: this.appliedIndex };
    for (const module of this.modules) snapshot = { ...snapshot, ...module.snapshotPart() };
    return snapshot;
  }

  /** Replaces the whole state with a snapshot (from `snapshot()`, possibly via JSON). */
  restore(snapshot: unknown): void {
    const record = (snapshot ?? {}) as Record<string, unknown>;
    if (record.format !== this.format) throw new TypeError(`not a ${this.format} snapshot`);
    const { lastAppliedIndex } = record;
    if (!Number.isInteger(lastAppliedIndex) || (lastAppliedIndex as number) < 0) throw new TypeError('bad lastAppliedIndex');
    const parts = this.modules.map((module) => module.parsePart(record, lastAppliedIndex as number));
    this.modules.forEach((module, index) => module.loadPart(parts[index]));
    this.appliedIndex = lastAppliedIndex as number;
  }

  /** A 64-bit hex digest of the snapshot: equal for replicas that applied the same log,
   *  whether by replay or from a snapshot. */
  digest(): string {
    const digest = new Digest();
    digest.update(JSON.stringify(this.snapshot()));
    return digest.hex();
  }
}

function describe(entry: unknown): string {
  return String(JSON.stringify(entry)).slice(0, 200);
}
