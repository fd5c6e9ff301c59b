/**
 * Merkle trees over key-hash ranges (Merkle 1987) and the anti-entropy sessions that
 * compare them (DeCandia et al. 2007, Dynamo §4.7 "Handling permanent failures: replica
 * synchronization"): only differing subtrees are descended, only differing keys' states
 * are exchanged, and after a session both sides hold the same state for every key.
 * The sessions run over a tiny synchronous in-memory network, etcd-raft style.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { AntiEntropy, type AntiEntropyEvent, type AntiEntropyMessage, KeyStore, lwwWrite, MerkleTree } from '../../src/georep';

describe('Merkle tree over key-hash ranges', () => {
  it('the root depends on the set of (key, digest) pairs, not on the order they were added', () => {
    const entries = fc.uniqueArray(fc.tuple(fc.string({ minLength: 1, maxLength: 6 }), fc.string({ minLength: 1, maxLength: 4 })), { selector: ([key]) => key, maxLength: 40 });
    fc.assert(
      fc.property(entries, fc.nat(), (pairs, rotation) => {
        const forward = new MerkleTree(4, 3);
        const rotated = new MerkleTree(4, 3);
        for (const [key, digest] of pairs) forward.set(key, digest);
        const shift = pairs.length === 0 ? 0 : rotation % pairs.length;
        for (const [key, digest] of [...pairs.slice(shift), ...pairs.slice(0, shift)]) rotated.set(key, digest);
        assert.equal(forward.rootHex(), rotated.rootHex());
      }),
    );
  });

  it('updating then restoring a key, or adding then deleting one, restores the root', () => {
    const tree = new MerkleTree();
    tree.set('a', '1');
    tree.set('b', '2');
    const root = tree.rootHex();
    tree.set('a', '9');
    assert.notEqual(tree.rootHex(), root);
    tree.set('a', '1');
    assert.equal(tree.rootHex(), root);
    tree.set('c', '3');
    tree.delete('c');
    assert.equal(tree.rootHex(), root);
  });

  it('two trees differing in k keys differ in at most k leaves, and exactly those keys show in the leaf entries', () => {
    const left = new MerkleTree(16, 3);
    const right = new MerkleTree(16, 3);
    for (let i = 0; i < 2000; i++) {
      left.set(`user/${i}`, `d${i}`);
      right.set(`user/${i}`, `d${i}`);
    }
    const changed = ['user/7', 'user/512', 'user/1999'];
    for (const key of changed) right.set(key, 'changed');
    let frontier = right.differing(0, [left.root()]);
    for (let level = 1; level <= 3; level++) {
      const nodes = frontier.flatMap((index) => left.childIndexes(level - 1, index).map((child) => left.node(level, child)));
      frontier = right.differing(level, nodes);
    }
    assert.ok(frontier.length <= changed.length && frontier.length > 0);
    const keysInDifferingLeaves = frontier.flatMap((leaf) => right.leafEntries(leaf).filter(([key, digest]) => left.digestOf(key) !== digest).map(([key]) => key));
    assert.deepEqual(keysInDifferingLeaves.sort(), [...changed].sort());
  });
});

/** Two regions' stores joined by a synchronous network that can drop messages. */
class AntiEntropyPair {
  readonly stores = { a: new KeyStore(16, 3), b: new KeyStore(16, 3) };
  readonly events: AntiEntropyEvent[] = [];
  private readonly queue: { to: 'a' | 'b'; message: AntiEntropyMessage }[] = [];
  readonly sides: Record<'a' | 'b', AntiEntropy>;
  dropType: string | undefined;

  constructor() {
    const side = (name: 'a' | 'b', other: 'a' | 'b'): AntiEntropy =>
      new AntiEntropy({
        region: name,
        store: this.stores[name],
        mergeRemote: (key, state) => void this.stores[name].merge(key, state),
        send: (_peer, message) => this.queue.push({ to: other, message }),
        timestamp: () => ({ wallMs: 0, logical: 0 }),
        completed: () => undefined,
        declined: () => undefined,
        observe: (event) => this.events.push(event),
      });
    this.sides = { a: side('a', 'b'), b: side('b', 'a') };
  }

  run(): void {
    // Sessions left over from a lost message end by time-out on both sides.
    for (const side of Object.values(this.sides)) side.expire(Number.MAX_SAFE_INTEGER, () => 0);
    this.sides.a.start('b', 'repair', 0, 1);
    this.deliver();
  }

  deliver(): void {
    for (let budget = 100; this.queue.length > 0 && budget > 0; budget--) {
      const { to, message } = this.queue.shift()!;
      if (message.type !== this.dropType) this.sides[to].onMessage(message, 0);
    }
  }

  keysExchanged(): number {
    return this.events.reduce((sum, event) => sum + (event.kind === 'states' ? event.keys.length : 0), 0);
  }
}

function fill(pair: AntiEntropyPair, keys: number): void {
  for (let i = 0; i < keys; i++) {
    const state = lwwWrite({ wallMs: i, logical: 0 }, 'us-east', `v${i}`);
    pair.stores.a.put(`cat/${i}`, state);
    pair.stores.b.put(`cat/${i}`, state);
  }
}

describe('anti-entropy session (Dynamo §4.7)', () => {
  it('identical replicas settle with one comparison of the roots and exchange nothing', () => {
    const pair = new AntiEntropyPair();
    fill(pair, 500);
    pair.run();
    assert.equal(pair.keysExchanged(), 0);
    assert.deepEqual(pair.events.filter((event) => event.kind === 'compared').map((event) => event.kind === 'compared' && event.level), [0]);
    assert.equal(pair.sides.a.activeSessions + pair.sides.b.activeSessions, 0);
  });

  it('repairs both directions and exchanges only keys that differ (at most two states per differing key)', () => {
    const pair = new AntiEntropyPair();
    fill(pair, 5000);
    for (let i = 0; i < 40; i++) pair.stores.a.put(`cat/${i * 97}`, lwwWrite({ wallMs: 10_000 + i, logical: 0 }, 'us-east', `east-${i}`));
    for (let i = 0; i < 30; i++) pair.stores.b.put(`cat/new-${i}`, lwwWrite({ wallMs: 20_000, logical: i }, 'eu-west', `west-${i}`));
    for (let i = 0; i < 5; i++) pair.stores.b.put(`cat/${i * 97}`, lwwWrite({ wallMs: 30_000, logical: i }, 'eu-west', `both-${i}`));
    const differing = 40 + 30;
    pair.run();
    assert.equal(pair.stores.a.tree.rootHex(), pair.stores.b.tree.rootHex());
    for (const [key, record] of pair.stores.a.entries()) assert.equal(pair.stores.b.get(key)?.digest, record.digest, key);
    const exchanged = pair.keysExchanged();
    assert.ok(exchanged >= differing && exchanged <= 2 * differing, `exchanged ${exchanged} states for ${differing} differing keys`);
    assert.equal(pair.stores.a.get('cat/0')?.state.kind === 'lww' && (pair.stores.a.get('cat/0')!.state as { value: string }).value, 'both-0', 'the later write wins on both sides');
  });

  it('when two regions offer each other a repair at once, the offer of the one whose name sorts first is taken', () => {
    const pair = new AntiEntropyPair();
    fill(pair, 50);
    pair.stores.b.put('cat/extra', lwwWrite({ wallMs: 1, logical: 0 }, 'eu-west', 'x'));
    pair.sides.b.start('a', 'repair', 0, 1);
    pair.sides.a.start('b', 'repair', 0, 1);
    pair.deliver();
    assert.equal(pair.stores.a.get('cat/extra')?.digest, pair.stores.b.get('cat/extra')?.digest, 'one of the two sessions ran to the end');
    const finished = pair.events.filter((event) => event.kind === 'done' && event.compared).map((event) => event.kind === 'done' && event.session);
    assert.deepEqual([...new Set(finished)], ['a>b#1.1'], 'b gave up its own session for a’s, and a declined b’s');
    assert.equal(pair.sides.a.activeSessions + pair.sides.b.activeSessions, 0);
  });

  it('a session whose last message is lost leaves the other side able to retry; nothing is half-applied wrongly', () => {
    const pair = new AntiEntropyPair();
    fill(pair, 100);
    pair.stores.b.put('cat/extra', lwwWrite({ wallMs: 1, logical: 0 }, 'eu-west', 'x'));
    pair.dropType = 'geo.ae.states';
    pair.run();
    assert.equal(pair.stores.a.get('cat/extra'), undefined);
    pair.dropType = undefined;
    pair.run();
    assert.equal(pair.stores.a.get('cat/extra')?.digest, pair.stores.b.get('cat/extra')?.digest);
  });
});
