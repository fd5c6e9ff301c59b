/**
 * Anti-entropy sessions between two regions over their Merkle trees (Dynamo §4.7).
 *
 * The initiator sends its root; each side answers a level with the children of the nodes
 * that differ, so the two descend together and only into differing subtrees. At the leaf
 * level the side that found differing leaves sends its (key, digest) pairs for those
 * ranges; the other side sends the states of the keys whose digests differ (or that the
 * first side lacks) and asks for the keys it lacks. The first side merges them (a CRDT
 * join) and sends back the keys asked for and the keys whose merged state is not the one it
 * received: those where it knew something the other did not. Afterwards both hold the
 * same state for every key of those ranges.
 *
 * Cost: O(differing leaves × fanout) hashes per level and the digests of the differing
 * leaves; one key state per differing key when one side's state contains the other's
 * (the usual case after a partition), two when both sides changed the key.
 *
 * Sessions have a purpose. A repair (the region must catch up from that peer) may run
 * alongside other sessions, one per peer pair: when two regions offer each other a session
 * at once, the offer of the region whose name sorts first is taken and the other given up.
 * A periodic check is offered only by an idle region and declined as busy by a region that
 * is in any session, so background checks never pile onto a repair.
 */
import type { RegionId } from './causal-context';
import type { HlcTimestamp } from './hlc';
import type { KeyStore } from './key-store';
import type { TreeNodeHash } from './merkle';
import type { KeyStatesMessage, LeafDigestsMessage, SessionDoneMessage, TreeLevelMessage } from './messages';
import { type KeyState, stateDigest } from './strategies';

export type AntiEntropyMessage = TreeLevelMessage | LeafDigestsMessage | KeyStatesMessage | SessionDoneMessage;

export type AntiEntropyEvent =
  | { readonly kind: 'start'; readonly session: string; readonly initiator: RegionId; readonly responder: RegionId }
  | { readonly kind: 'compared'; readonly session: string; readonly region: RegionId; readonly level: number; readonly nodes: number; readonly differing: number }
  | { readonly kind: 'digests'; readonly session: string; readonly region: RegionId; readonly leaves: number; readonly entries: number }
  | { readonly kind: 'states'; readonly session: string; readonly from: RegionId; readonly to: RegionId; readonly keys: readonly string[] }
  | { readonly kind: 'done'; readonly session: string; readonly region: RegionId; readonly peer: RegionId; readonly compared: boolean };

export interface AntiEntropyHost {
  readonly region: RegionId;
  readonly store: KeyStore;
  /**
   * Joins a remote key state into the local store (and persists it). A host whose merge
   * completes later (through its region's consensus) returns the state the key will hold.
   */
  mergeRemote(fullKey: string, state: KeyState): KeyState | void;
  send(peer: RegionId, message: AntiEntropyMessage): void;
  /** The HLC to stamp outgoing states with (a send event). */
  timestamp(): HlcTimestamp;
  /**
   * Called on both sides when a session completes having compared the trees (not when
   * declined as busy). `ordinal` numbers the sessions this side took part in, in the order
   * they began, so the host can tell a session begun after some event from one begun before.
   */
  completed(peer: RegionId, session: string, ordinal: number): void;
  /** Called on the initiator when the peer declined its session because it was busy. */
  declined(peer: RegionId): void;
  observe(event: AntiEntropyEvent): void;
}

export type SessionPurpose = 'repair' | 'periodic';

interface Session {
  readonly peer: RegionId;
  readonly startedMs: number;
  readonly initiated: boolean;
  readonly ordinal: number;
}

export class AntiEntropy {
  private readonly sessions = new Map<string, Session>();
  private sessionCounter = 0;
  private ordinalCounter = 0;

  constructor(private readonly host: AntiEntropyHost) {}

  isRunningWith(peer: RegionId): boolean {
    for (const session of this.sessions.values()) if (session.peer === peer) return true;
    return false;
  }

  get activeSessions(): number {
    return this.sessions.size;
  }

  get isIdle(): boolean {
    return this.sessions.size === 0;
  }

  /** The ordinal the next session will get: sessions numbered from here on begin after now. */
  get nextOrdinal(): number {
    return this.ordinalCounter + 1;
  }

  /** Starts a session with `peer`; `epoch` keeps session names unique across restarts. */
  start(peer: RegionId, purpose: SessionPurpose, nowMs: number, epoch: number): string {
    if (this.isRunningWith(peer)) throw new Error(`${this.host.region} is already in an anti-entropy session with ${peer}`);
    if (purpose === 'periodic' && !this.isIdle) throw new Error(`${this.host.region} offers periodic checks only when idle`);
    const session = `${this.host.region}>${peer}#${epoch}.${++this.sessionCounter}`;
    this.sessions.set(session, { peer, startedMs: nowMs, initiated: true, ordinal: ++this.ordinalCounter });
    this.host.observe({ kind: 'start', session, initiator: this.host.region, responder: peer });
    this.host.send(peer, { type: 'geo.ae.tree', session, region: this.host.region, level: 0, nodes: [this.host.store.tree.root()], purpose });
    return session;
  }

  /** Forgets sessions older than their peer's time-out (their messages were lost, or the peer went away). */
  expire(nowMs: number, timeoutMs: (peer: RegionId) => number): void {
    for (const [name, session] of this.sessions) if (nowMs - session.startedMs > timeoutMs(session.peer)) this.sessions.delete(name);
  }

  /** Forgets the sessions with a peer that went silent. */
  abandon(peer: RegionId): void {
    for (const [name, session] of this.sessions) if (session.peer === peer) this.sessions.delete(name);
  }

  onMessage(message: AntiEntropyMessage, nowMs: number): void {
    if (!this.sessions.has(message.session)) {
      // A message of a session this side did not start: it is the responder (or a late message of an expired session).
      if (message.type !== 'geo.ae.tree' || message.level !== 0) return;
      if (!this.accepts(message.region, message.purpose ?? 'periodic')) {
        this.host.send(message.region, { type: 'geo.ae.done', session: message.session, region: this.host.region, busy: true });
        return;
      }
      this.abandon(message.region); // a session we offered the same peer at the same time: theirs is taken
      this.sessions.set(message.session, { peer: message.region, startedMs: nowMs, initiated: false, ordinal: ++this.ordinalCounter });
    }
    switch (message.type) {
      case 'geo.ae.tree':
        return this.onTreeLevel(message);
      case 'geo.ae.digests':
        return this.onLeafDigests(message);
      case 'geo.ae.states':
        return this.onKeyStates(message);
      case 'geo.ae.done':
        return this.complete(message.session, message.region, message.busy !== true);
    }
  }

  private onTreeLevel(message: TreeLevelMessage): void {
    const tree = this.host.store.tree;
    const differing = tree.differing(message.level, message.nodes);
    this.host.observe({ kind: 'compared', session: message.session, region: this.host.region, level: message.level, nodes: message.nodes.length, differing: differing.length });
    if (differing.length === 0) {
      this.host.send(message.region, { type: 'geo.ae.done', session: message.session, region: this.host.region });
      return this.complete(message.session, message.region);
    }
    if (message.level === tree.depth) {
      const entries = differing.flatMap((leaf) => tree.leafEntries(leaf));
      this.host.observe({ kind: 'digests', session: message.session, region: this.host.region, leaves: differing.length, entries: entries.length });
      this.host.send(message.region, { type: 'geo.ae.digests', session: message.session, region: this.host.region, leaves: differing, entries });
      return;
    }
    const nodes: TreeNodeHash[] = differing.flatMap((index) => tree.childIndexes(message.level, index).map((child) => tree.node(message.level + 1, child)));
    this.host.send(message.region, { type: 'geo.ae.tree', session: message.session, region: this.host.region, level: message.level + 1, nodes });
  }

  private onLeafDigests(message: LeafDigestsMessage): void {
    const tree = this.host.store.tree;
    const theirs = new Map(message.entries.map(([key, digest]) => [key, digest]));
    const sendKeys: string[] = [];
    for (const leaf of message.leaves) {
      for (const [key, digest] of tree.leafEntries(leaf)) if (theirs.get(key) !== digest) sendKeys.push(key);
    }
    const want = message.entries.filter(([key]) => tree.digestOf(key) === undefined).map(([key]) => key);
    if (sendKeys.length === 0 && want.length === 0) {
      this.host.send(message.region, { type: 'geo.ae.done', session: message.session, region: this.host.region });
      return this.complete(message.session, message.region);
    }
    this.sendStates(message.session, message.region, sendKeys, want, false);
  }

  private onKeyStates(message: KeyStatesMessage): void {
    const store = this.host.store;
    const mergedDigest = new Map<string, string | undefined>();
    for (const [key, state] of message.states) {
      const merged = this.host.mergeRemote(key, state);
      mergedDigest.set(key, merged ? stateDigest(merged) : store.get(key)?.digest);
    }
    if (message.reply) return this.complete(message.session, message.region);
    // What the sender lacks: the keys it asked for, and keys where this side's merged state is not the one it sent.
    const back = [...message.want, ...message.states.filter(([key, state]) => mergedDigest.get(key) !== stateDigest(state)).map(([key]) => key)];
    if (back.length === 0) this.host.send(message.region, { type: 'geo.ae.done', session: message.session, region: this.host.region });
    else this.sendStates(message.session, message.region, back, [], true);
    this.complete(message.session, message.region);
  }

  private sendStates(session: string, peer: RegionId, keys: readonly string[], want: readonly string[], reply: boolean): void {
    const states: [string, KeyState][] = [];
    for (const key of keys) {
      const state = this.host.store.stateOf(key);
      if (state !== undefined) states.push([key, state]);
    }
    this.host.observe({ kind: 'states', session, from: this.host.region, to: peer, keys: states.map(([key]) => key) });
    this.host.send(peer, { type: 'geo.ae.states', session, region: this.host.region, timestamp: this.host.timestamp(), states, want, reply });
  }

  /** Whether to take a session offered by `initiator` (see the rules at the top). */
  private accepts(initiator: RegionId, purpose: SessionPurpose): boolean {
    if (purpose === 'periodic' && !this.isIdle) return false;
    for (const session of this.sessions.values()) {
      if (session.peer !== initiator) continue;
      // Both offered each other a session: the offer of the region whose name sorts first wins.
      if (!session.initiated || initiator > this.host.region) return false;
    }
    return true;
  }

  private complete(session: string, peer: RegionId, compared = true): void {
    const record = this.sessions.get(session);
    if (!record) return;
    this.sessions.delete(session);
    this.host.observe({ kind: 'done', session, region: this.host.region, peer, compared });
    if (compared) this.host.completed(peer, session, record.ordinal);
    else this.host.declined(peer);
  }
}
