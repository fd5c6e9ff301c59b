/**
 * A region's data: every key's state (a CRDT state; see strategies.ts), kept in memory,
 * mirrored in a Merkle tree of state digests for anti-entropy. Keys are addressed as
 * "keyspace/key". The replica persists states; the store is the in-memory index.
 */
import { MerkleTree } from './merkle';
import { joinStates, type KeyState, stateDigest } from './strategies';

export interface StoredKey {
  readonly keyspace: string;
  readonly key: string;
  readonly state: KeyState;
  readonly digest: string;
}

export function fullKeyOf(keyspace: string, key: string): string {
  return `${keyspace}/${key}`;
}

/** Splits "keyspace/key" at the first slash. */
export function splitFullKey(fullKey: string): { keyspace: string; key: string } {
  const slash = fullKey.indexOf('/');
  if (slash <= 0 || slash === fullKey.length - 1) throw new RangeError(`a key is written "keyspace/key", got ${JSON.stringify(fullKey)}`);
  return { keyspace: fullKey.slice(0, slash), key: fullKey.slice(slash + 1) };
}

export class KeyStore {
  private readonly records = new Map<string, StoredKey>();
  readonly tree: MerkleTree;

  constructor(fanout: number, depth: number) {
    this.tree = new MerkleTree(fanout, depth);
  }

  get size(): number {
    return this.records.size;
  }

  get(fullKey: string): StoredKey | undefined {
    return this.records.get(fullKey);
  }

  stateOf(fullKey: string): KeyState | undefined {
    return this.records.get(fullKey)?.state;
  }

  /** Replaces a key's state (a local update); returns the stored record. */
  put(fullKey: string, state: KeyState, digest: string = stateDigest(state)): StoredKey {
    const { keyspace, key } = splitFullKey(fullKey);
    const record: StoredKey = { keyspace, key, state, digest };
    this.records.set(fullKey, record);
    this.tree.set(fullKey, digest);
    return record;
  }

  /** Joins a remote state into the key; returns the new record when the state changed. */
  merge(fullKey: string, remote: KeyState): StoredKey | undefined {
    const current = this.records.get(fullKey);
    const joined = current ? joinStates(current.state, remote) : remote;
    if (current && joined === current.state) return undefined;
    const digest = stateDigest(joined);
    if (current && digest === current.digest) return undefined;
    return this.put(fullKey, joined, digest);
  }

  /** Drops a key (a collected tombstone): it leaves the Merkle tree too. */
  delete(fullKey: string): boolean {
    if (!this.records.delete(fullKey)) return false;
    this.tree.delete(fullKey);
    return true;
  }

  keys(): IterableIterator<string> {
    return this.records.keys();
  }

  entries(): IterableIterator<[string, StoredKey]> {
    return this.records.entries();
  }
}
