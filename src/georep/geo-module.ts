import type { StateMachineModule } from '../replica/module';
import { type GeoApplyResult, type GeoLogEntry, type GeoShardSnapshot, type GeoShardState, parseGeoShardSnapshot } from './region-shard-state';
import { geoLogEntryCheck } from './wire';

/**
 * The georeplication module of a shard's replicated state machine in a region of many
 * nodes (src/replica/host.ts; issue 11 §5): it owns the `{ geo }` entries (client updates,
 * other regions' changes, stream acknowledgements, anti-entropy merges, completed repairs)
 * and the `geo` field of the snapshot. The state it applies to is region-shard-state.ts;
 * the composition (src/api/geo-regions.ts, through the key-value server's module list)
 * puts it beside the key-value, transaction, role and slot modules of the same shard, and
 * the host dispatches each committed entry to it by its kind. It imports no other module.
 */

/** A client update the composition's authorization refused (its reason travels to the client). */
export interface GeoRefusal {
  readonly status: 'forbidden';
}

/** This module's fields of the snapshot: absent while the state is empty. */
export interface GeoSnapshotPart {
  readonly geo?: GeoShardSnapshot;
}

export class GeoModule implements StateMachineModule<GeoLogEntry, GeoSnapshotPart> {
  readonly name = 'georeplication';
  readonly kind = 'geo';

  /** `refuse` judges a client update before it applies (the shard's role table, given by the composition); a refusal changes nothing. */
  constructor(readonly state: GeoShardState, private readonly refuse?: (command: GeoLogEntry['geo']) => GeoRefusal | undefined) {}

  /** The boundary checks the same shape on every Raft message; this guards entries that did not cross it (a leader's own). */
  validate(entry: GeoLogEntry): void {
    const problem = geoLogEntryCheck(entry, 'entry');
    if (problem !== undefined) throw new TypeError(`malformed georeplication entry: ${problem}`);
  }

  apply(entry: GeoLogEntry): GeoApplyResult | GeoRefusal {
    return this.refuse?.(entry.geo) ?? this.state.apply(entry.geo);
  }

  snapshotPart(): GeoSnapshotPart {
    return this.state.isEmpty ? {} : { geo: this.state.snapshot() };
  }

  parsePart(snapshot: Readonly<Record<string, unknown>>): GeoSnapshotPart {
    return snapshot.geo === undefined ? {} : { geo: parseGeoShardSnapshot(snapshot.geo) };
  }

  loadPart(part: GeoSnapshotPart): void {
    if (part.geo === undefined) this.state.clear();
    else this.state.load(part.geo);
  }
}
