import type { KvResult } from './operation';

/**
 * Client sessions for exactly-once semantics (Raft thesis §6.3): per client, the highest
 * applied sequence number and the response it produced. Part of the replicated state, so
 * every replica makes the same duplicate decisions.
 *
 * The table is bounded. Beyond `sessionsMax` the session used least recently (by log
 * index, never by wall time) is evicted, so every replica evicts the same one at the
 * same entry. A Map keeps insertion order, and a session is re-inserted whenever it is
 * used, so the first entry is always the least recently used.
 */

export interface ClientSession {
  readonly clientId: string;
  /** Highest sequence number applied for this client. */
  readonly sequence: number;
  /** The response to that sequence, replayed to retries. */
  readonly result: KvResult;
  /** Log index of the entry that last used the session. */
  readonly lastLogIndex: number;
}

export class SessionTable {
  private readonly sessions = new Map<string, ClientSession>();

  constructor(readonly sessionsMax: number) {
    if (!Number.isInteger(sessionsMax) || sessionsMax < 1) throw new RangeError(`sessionsMax must be ≥ 1, got ${sessionsMax}`);
  }

  get size(): number {
    return this.sessions.size;
  }

  get(clientId: string): ClientSession | undefined {
    return this.sessions.get(clientId);
  }

  /** Records the response to `sequence` and evicts the least recently used session if over the bound. */
  record(session: ClientSession): void {
    const previous = this.sessions.get(session.clientId);
    if (previous !== undefined && !(session.sequence > previous.sequence)) {
      throw new Error(`session ${session.clientId}: sequence ${session.sequence} does not follow ${previous.sequence}`);
    }
    this.sessions.delete(session.clientId);
    // Frozen because snapshots and duplicate answers hand the same objects out.
    this.sessions.set(session.clientId, freezeSession(session));
    if (this.sessions.size > this.sessionsMax) {
      const oldest = this.sessions.keys().next().value as string;
      this.sessions.delete(oldest);
    }
  }

  /** Sessions, least recently used first (ascending `lastLogIndex`). */
  list(): ClientSession[] {
    return [...this.sessions.values()];
  }

  /** Replaces the contents; `sessions` must be least recently used first. Validates
   *  everything before changing anything. */
  load(sessions: readonly ClientSession[]): void {
    if (sessions.length > this.sessionsMax) {
      throw new Error(`a snapshot with ${sessions.length} sessions does not fit a table of ${this.sessionsMax}`);
    }
    sessions.forEach((session, index) => {
      // Equal indexes happen: a slot move brings several sessions in with one entry.
      if (index > 0 && !(session.lastLogIndex >= sessions[index - 1].lastLogIndex)) {
        throw new Error('snapshot sessions must be ordered by ascending log index');
      }
    });
    if (new Set(sessions.map((session) => session.clientId)).size !== sessions.length) throw new Error('snapshot has a session twice');
    this.sessions.clear();
    for (const session of sessions) this.sessions.set(session.clientId, freezeSession(session));
  }
}

function freezeSession(session: ClientSession): ClientSession {
  Object.freeze(session.result);
  return Object.freeze(session);
}
