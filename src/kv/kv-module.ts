import type { Principal, Refusal } from '../auth/types';
import type { StateMachineModule } from '../replica/module';
import { assertValidOperation, canonicalResult, type KvOperation, type KvResult } from './operation';
import { type ClientSession, SessionTable } from './session-table';

/**
 * The key-value module of a shard's replicated state machine (src/replica/host.ts): the
 * data and the client sessions, applied from KV commands (entries `{ clientId, sequence,
 * operation }`).
 *
 * Exactly-once client sessions (Raft thesis §6.3): every command carries a client id and
 * a sequence number. The module remembers, per client, the highest applied sequence and
 * its response. A retry of that sequence gets the saved response without being applied
 * again; an older sequence is answered `stale-request`.
 *
 * Sessions begin at sequence 1. A command from an unknown client with a higher sequence
 * means its session was evicted, and is answered `session-expired` (the client then
 * opens a new session) rather than applied, because the module can no longer tell
 * whether it is a retry. Known gap: a retry of sequence 1 arriving after its session was
 * evicted is applied again; it needs `sessionsMax` other clients to be served in between.
 * An explicit RegisterClient entry (thesis §6.3) would close it.
 *
 * Admission: a new command (not a retry) is first shown to `KvAdmission`, given by the
 * composition, which may refuse it: the key's slot is not served here (`moved`), the role
 * table forbids it (`forbidden`), or a transaction holds a conflicting lock (`locked`). A
 * refused command is not applied nor recorded in the session, so its retry applies later.
 */

export interface KvCommand {
  readonly clientId: string;
  /** Positive; 1 for a session's first command, increasing from there. */
  readonly sequence: number;
  readonly operation: KvOperation;
  /** Who asks, when authentication is on (src/auth/). */
  readonly principal?: Principal;
}

export type KeyLockMode = 'shared' | 'exclusive';

/** Why a new command was not applied; nothing changed. */
export type KvRefusal =
  /** A transaction holds a lock on the key. Retry later. */
  | { readonly status: 'locked'; readonly key: string; readonly mode: KeyLockMode }
  /** The role table refused the command at its log position. */
  | { readonly status: 'forbidden'; readonly refusal: Refusal }
  /** The key's slot is not served here (moved away, or still moving in). */
  | { readonly status: 'moved'; readonly key: string };

export type KvApplyResult =
  /** `duplicate`: a retry of the latest sequence, answered from the session. */
  | { readonly status: 'ok'; readonly result: KvResult; readonly duplicate: boolean }
  | { readonly status: 'stale-request'; readonly latestSequence: number }
  | { readonly status: 'session-expired' }
  | KvRefusal;

/** What the module asks of the rest of the state machine, without knowing who answers. */
export interface KvAdmission {
  /** A refusal of a new command at this log position, or undefined to apply it. */
  admit(command: KvCommand): KvRefusal | undefined;
}

/** The module's fields of the snapshot: `entries` sorted by key, `sessions` least recently used first. */
export interface KvSnapshotPart {
  readonly entries: readonly (readonly [string, string])[];
  readonly sessions: readonly ClientSession[];
}

export const defaultSessionsMax = 1024;
const admitAll: KvAdmission = { admit: () => undefined };

export class KvModule implements StateMachineModule<KvCommand, KvSnapshotPart> {
  readonly name = 'kv';
  readonly kind = 'operation';
  private readonly data = new Map<string, string>();
  private readonly sessions: SessionTable;

  constructor(sessionsMax = defaultSessionsMax, private readonly admission: KvAdmission = admitAll) {
    this.sessions = new SessionTable(sessionsMax);
  }

  get keyCount(): number {
    return this.data.size;
  }

  /** Bytes of keys and values held (UTF-16 code units, as a size estimate for load reports). */
  get byteCount(): number {
    let bytes = 0;
    for (const [key, value] of this.data) bytes += key.length + value.length;
    return bytes;
  }

  get sessionCount(): number {
    return this.sessions.size;
  }

  validate(command: KvCommand): void {
    if (typeof command.clientId !== 'string' || command.clientId === '') throw new TypeError('a command needs a client id');
    if (!Number.isInteger(command.sequence) || command.sequence < 1) {
      throw new TypeError(`a command's sequence must be an integer ≥ 1, got ${command.sequence}`);
    }
    assertValidOperation(command.operation);
  }

  apply(command: KvCommand, logIndex: number): KvApplyResult {
    const session = this.sessions.get(command.clientId);
    if (session !== undefined && command.sequence === session.sequence) {
      return { status: 'ok', result: session.result, duplicate: true };
    }
    if (session !== undefined && command.sequence < session.sequence) {
      return { status: 'stale-request', latestSequence: session.sequence };
    }
    if (session === undefined && command.sequence !== 1) return { status: 'session-expired' };
    const refusal = this.admission.admit(command);
    if (refusal !== undefined) return refusal;
    const result = this.execute(command.operation);
    this.sessions.record({ clientId: command.clientId, sequence: command.sequence, result, lastLogIndex: logIndex });
    return { status: 'ok', result, duplicate: false };
  }

  /** The current value, for reads served without a log entry (after a ReadIndex round). */
  read(key: string): string | null {
    return this.data.get(key) ?? null;
  }

  /** Sets (or, with null, deletes) a key outside any session: for the composition, on
   *  behalf of committed transactional writes and slot moves. */
  write(key: string, value: string | null): void {
    if (value === null) this.data.delete(key);
    else this.data.set(key, value);
  }

  /** The keys held, in insertion order (a copy: callers may write while walking it). */
  keys(): string[] {
    return [...this.data.keys()];
  }

  /** The entries whose keys satisfy `wanted`, sorted by key. */
  entriesWhere(wanted: (key: string) => boolean): [string, string][] {
    return [...this.data.entries()].filter(([key]) => wanted(key)).sort(byKey);
  }

  /**
   * Every key starting with `prefix` and its value, as of now (after a ReadIndex round or
   * under a lock that stops writers). Walks the whole map: a shard holds thousands of
   * keys, not millions, in this simulation.
   */
  *scan(prefix: string): Generator<readonly [string, string]> {
    for (const entry of this.data) if (entry[0].startsWith(prefix)) yield entry;
  }

  /** Client sessions, least recently used first. */
  sessionList(): ClientSession[] {
    return this.sessions.list();
  }

  /** Takes another replica's session when it is newer than ours (a slot move carries the
   *  source's sessions, so a retry of a write the source applied is answered, not redone). */
  adoptSession(session: ClientSession, logIndex: number): void {
    const local = this.sessions.get(session.clientId);
    if (local === undefined || local.sequence < session.sequence) this.sessions.record({ ...session, lastLogIndex: logIndex });
  }

  snapshotPart(): KvSnapshotPart {
    return { entries: this.entriesWhere(() => true), sessions: this.sessions.list() };
  }

  parsePart(snapshot: Readonly<Record<string, unknown>>, lastAppliedIndex: number): KvSnapshotPart {
    const { entries, sessions } = snapshot;
    if (!Array.isArray(entries) || !Array.isArray(sessions)) throw new TypeError('snapshot entries and sessions must be lists');
    const pairs = entries.map((entry: unknown): [string, string] => {
      if (!Array.isArray(entry) || typeof entry[0] !== 'string' || typeof entry[1] !== 'string') {
        throw new TypeError(`bad snapshot entry ${JSON.stringify(entry)}`);
      }
      return [entry[0], entry[1]];
    });
    if (new Set(pairs.map(([key]) => key)).size !== pairs.length) throw new TypeError('snapshot has a key twice');
    const parsedSessions = sessions.map(parseSession);
    if (parsedSessions.some((session) => session.lastLogIndex > lastAppliedIndex)) {
      throw new TypeError('snapshot session used after the snapshot index');
    }
    return { entries: pairs, sessions: parsedSessions };
  }

  loadPart(part: KvSnapshotPart): void {
    this.sessions.load(part.sessions);
    this.data.clear();
    for (const [key, value] of part.entries) this.data.set(key, value);
  }

  private execute(operation: KvOperation): KvResult {
    const current = this.data.get(operation.key) ?? null;
    switch (operation.kind) {
      case 'get':
        return { kind: 'get', value: current };
      case 'put':
        this.data.set(operation.key, operation.value);
        return { kind: 'put' };
      case 'delete':
        this.data.delete(operation.key);
        return { kind: 'delete' };
      case 'cas':
        if (current !== operation.expected) return { kind: 'cas', ok: false, actual: current };
        this.data.set(operation.key, operation.value);
        return { kind: 'cas', ok: true };
      case 'append': {
        const value = (current ?? '') + operation.value;
        this.data.set(operation.key, value);
        return { kind: 'append', value };
      }
    }
  }
}

function byKey([left]: readonly [string, string], [right]: readonly [string, string]): number {
  return left < right ? -1 : left > right ? 1 : 0;
}

function parseSession(session: unknown): ClientSession {
  const { clientId, sequence, result, lastLogIndex } = (session ?? {}) as Record<string, unknown>;
  if (typeof clientId !== 'string' || !Number.isInteger(sequence) || !Number.isInteger(lastLogIndex)) {
    throw new TypeError(`bad snapshot session ${JSON.stringify(session)}`);
  }
  return { clientId, sequence: sequence as number, result: canonicalResult(result), lastLogIndex: lastLogIndex as number };
}
