import type { Refusal } from './types';

/** One refused request, as the serving replica (or the admin facade) saw it. */
export interface AuditEntry {
  /** Simulation time of the refusal. */
  readonly atMs: number;
  /** The node that refused (the serving replica), or `admin` for the admin facade. */
  readonly node: string;
  /** What the request was: a key-value read or write, a transaction, an admin operation. */
  readonly request: string;
  readonly refusal: Refusal;
}

/**
 * The audit log of refusals. In a real deployment each node would append to its own
 * durable log; in the simulation every node writes to this one list, so a scenario can
 * attach it to the report and check that every refusal it saw is here. Bounded: beyond
 * `entriesMax` the count grows but entries are no longer kept.
 */
export class AuditLog {
  private readonly list: AuditEntry[] = [];
  count = 0;

  constructor(private readonly clock: () => number, private readonly entriesMax = 100_000) {}

  record(node: string, request: string, refusal: Refusal): void {
    this.count++;
    if (this.list.length < this.entriesMax) this.list.push(Object.freeze({ atMs: this.clock(), node, request, refusal }));
  }

  get entries(): readonly AuditEntry[] {
    return this.list;
  }

  /** One line per entry, for reports. */
  render(): string {
    if (this.list.length === 0) return 'no request was refused';
    return this.list.map((entry) => `${(entry.atMs / 1000).toFixed(3)} s ${entry.node} refused ${entry.request}: ${entry.refusal.text}`).join('\n');
  }
}
