/**
 * One module of a replicated state machine (src/replica/host.ts): it owns some kinds of
 * log entry and some fields of the snapshot. Modules never import one another
 * (.dependency-cruiser.js, `state-machine-modules-independent`); what one needs of another
 * (the KV data, the locks, the role table's verdict) is handed to it by the composition,
 * through an interface the needing module declares.
 */
export interface StateMachineModule<Entry = unknown, Part = unknown> {
  /** Names the module in errors. */
  readonly name: string;
  /** The field that marks this module's log entries (`{ [kind]: ... }`); unique in a host. */
  readonly kind: string;
  /** Throws on a malformed entry, before anything (even the applied index) changes. */
  validate(entry: Entry): void;
  apply(entry: Entry, logIndex: number): unknown;
  /** This module's fields of the snapshot, plain JSON-able; `{}` while it holds nothing.
   *  No two modules of a host share a field name. */
  snapshotPart(): object;
  /** Validates this module's fields of a snapshot and rebuilds them in canonical shape.
   *  Every module parses before any loads, so a bad snapshot leaves the whole state alone. */
  parsePart(snapshot: Readonly<Record<string, unknown>>, lastAppliedIndex: number): Part;
  /** Replaces this module's state with a parsed part. Must not throw. */
  loadPart(part: Part): void;
}
