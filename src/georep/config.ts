/**
 * Configuration of georeplication: tuning constants (with units in their names) and the
 * keyspace catalog. The catalog is cluster configuration, the same at every region (in a
 * real system it would itself be replicated with consensus); here it is one shared object.
 */
import type { RegionId } from './causal-context';
import { KeyspaceError, STRATEGY_KINDS, type StrategyKind } from './strategies';

export interface GeoTuning {
  /** Clocks further apart than this are refused (CockroachDB's default is 500 ms). */
  maxClockOffsetMs: number;
  /** Clock-offset probes (ping/pong) to each peer region, also used as liveness. */
  pingIntervalMs: number;
  /** A peer silent for this long is treated as unreachable until heard from again. */
  peerSilenceMs: number;
  /** Local updates are batched for this long before they are streamed. */
  flushDelayMs: number;
  /** Changes per stream message. */
  batchMax: number;
  /** Unacknowledged changes in flight per destination. */
  windowMax: number;
  retransmitMinMs: number;
  retransmitMaxMs: number;
  /** Pending changes kept for one destination before its backlog is given up and it must repair. */
  retainedChangesMax: number;
  /** Interval between anti-entropy sessions a region starts (with the next peer in turn). */
  antiEntropyIntervalMs: number;
  /** The longest an anti-entropy session may take before it is given up (shorter on fast links: see the replica). */
  antiEntropyTimeoutMs: number;
  merkleFanout: number;
  /** Leaves = fanout^depth key-hash ranges. */
  merkleDepth: number;
  /** A client request not answered in this long fails as unavailable. */
  requestTimeoutMs: number;
}

export const DEFAULT_GEO_TUNING: Readonly<GeoTuning> = Object.freeze({
  maxClockOffsetMs: 500,
  pingIntervalMs: 250,
  peerSilenceMs: 1_000,
  flushDelayMs: 2,
  batchMax: 256,
  windowMax: 4_096,
  retransmitMinMs: 150,
  retransmitMaxMs: 2_000,
  retainedChangesMax: 100_000,
  antiEntropyIntervalMs: 2_000,
  antiEntropyTimeoutMs: 3_000,
  merkleFanout: 16,
  merkleDepth: 3,
  requestTimeoutMs: 1_000,
});

export function resolveGeoTuning(overrides: Partial<GeoTuning> = {}): GeoTuning {
  const tuning: GeoTuning = { ...DEFAULT_GEO_TUNING, ...overrides };
  for (const [name, value] of Object.entries(tuning)) {
    if (!(typeof value === 'number' && Number.isFinite(value) && value >= 0)) throw new RangeError(`${name} must be a finite number >= 0, got ${value}`);
  }
  if (tuning.maxClockOffsetMs <= 0) throw new RangeError('maxClockOffsetMs must be > 0');
  if (tuning.batchMax < 1 || tuning.windowMax < tuning.batchMax) throw new RangeError('need 1 <= batchMax <= windowMax');
  if (tuning.retransmitMinMs <= 0 || tuning.retransmitMaxMs < tuning.retransmitMinMs) throw new RangeError('need 0 < retransmitMinMs <= retransmitMaxMs');
  if (tuning.retainedChangesMax < 1) throw new RangeError('retainedChangesMax must be >= 1');
  return tuning;
}

const KEYSPACE_NAME = /^[a-z][a-z0-9-]*$/;

/** Which conflict strategy each keyspace uses. */
export class KeyspaceCatalog {
  private readonly kinds = new Map<string, StrategyKind>();

  define(name: string, kind: StrategyKind): void {
    if (!KEYSPACE_NAME.test(name)) throw new KeyspaceError(`a keyspace name is lower case letters, digits and dashes, starting with a letter; got ${JSON.stringify(name)}`);
    if (!STRATEGY_KINDS.includes(kind)) throw new KeyspaceError(`unknown conflict strategy ${JSON.stringify(kind)}`);
    const existing = this.kinds.get(name);
    if (existing !== undefined && existing !== kind) throw new KeyspaceError(`keyspace "${name}" already uses ${existing}; a keyspace's strategy cannot change`);
    this.kinds.set(name, kind);
  }

  kindOf(name: string): StrategyKind | undefined {
    return this.kinds.get(name);
  }

  require(name: string): StrategyKind {
    const kind = this.kinds.get(name);
    if (kind === undefined) throw new KeyspaceError(`no keyspace "${name}" (defined: ${[...this.kinds.keys()].join(', ') || 'none'})`);
    return kind;
  }

  names(): string[] {
    return [...this.kinds.keys()].sort();
  }
}

export interface PeerRegion {
  readonly region: RegionId;
  /** The node that hosts the region's replica. */
  readonly node: string;
}
