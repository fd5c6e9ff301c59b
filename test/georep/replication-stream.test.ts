/**
 * Ordered per-origin change streams: cumulative acknowledgements and go-back-N
 * retransmission (as in TCP, RFC 793 §3.7 / RFC 6298 for the time-out), a retention limit
 * past which the destination repairs by anti-entropy (Cassandra's hint window), and
 * durability across crashes (a change is acknowledged only once synced).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ChangeLog, type ChangeEntry, InboundStream, lwwWrite, OutboundStream } from '../../src/georep';
import { lossyBetweenRegions, threeRegions, THREE_REGIONS } from './harness';

const TUNING = { batchMax: 3, windowMax: 5, retransmitMinMs: 100, retransmitMaxMs: 800 };

function logOf(count: number): ChangeLog {
  const log = new ChangeLog();
  for (let i = 0; i < count; i++) log.append({ keyspace: 'k', key: `${i}`, state: lwwWrite({ wallMs: i, logical: 0 }, 'us-east', `${i}`), timestamp: { wallMs: i, logical: 0 } });
  return log;
}

describe('change log and outbound stream', () => {
  it('sends in order within the window, and resends from the first unacknowledged change on time-out (go-back-N)', () => {
    const log = logOf(8);
    const stream = new OutboundStream('eu-west', 0, TUNING);
    assert.deepEqual(stream.nextBatch(log)!.map((entry) => entry.seq), [1, 2, 3]);
    assert.deepEqual(stream.nextBatch(log)!.map((entry) => entry.seq), [4, 5]);
    assert.equal(stream.nextBatch(log), undefined, 'the window of 5 is full');
    assert.ok(stream.onAck(2, 0, 100));
    assert.deepEqual(stream.nextBatch(log)!.map((entry) => entry.seq), [6, 7]);
    stream.onTimeout();
    assert.equal(stream.retransmitTimeoutMs, 200, 'the time-out doubles while nothing gets through');
    assert.deepEqual(stream.nextBatch(log)!.map((entry) => entry.seq), [3, 4, 5]);
    assert.equal(stream.onAck(1, 0, 100), false, 'an old acknowledgement changes nothing');
  });

  it('trims only what every destination acknowledged', () => {
    const log = logOf(6);
    assert.deepEqual(log.trimThrough(4), { from: 1, to: 4 });
    assert.equal(log.firstSeq, 5);
    assert.equal(log.get(4), undefined);
    assert.equal(log.get(6)?.key, '5');
    assert.equal(log.append({ keyspace: 'k', key: 'x', state: lwwWrite({ wallMs: 9, logical: 0 }, 'us-east', 'x'), timestamp: { wallMs: 9, logical: 0 } }).seq, 7);
  });

  it('giving up a backlog marks the reset point until the destination acknowledges it', () => {
    const stream = new OutboundStream('ap-south', 0, TUNING);
    stream.giveUp(40);
    assert.equal(stream.resetFrom, 41);
    assert.equal(stream.pending(40), 0);
    stream.onAck(10, 0, 100);
    assert.equal(stream.resetFrom, 41, 'an acknowledgement from before the reset does not clear it');
    stream.onAck(40, 0, 100);
    assert.equal(stream.resetFrom, undefined);
  });
});

describe('inbound stream', () => {
  const entries = (seqs: number[]): ChangeEntry[] => seqs.map((seq) => logOf(10).get(seq)!);

  it('applies in sequence order, buffers what comes early, and skips duplicates', () => {
    const stream = new InboundStream('us-east', 0, 100);
    assert.deepEqual(stream.accept(entries([2, 3])).ready, []);
    const { ready } = stream.accept(entries([1, 2]));
    assert.deepEqual(ready.map((entry) => entry.seq), [1, 2, 3]);
    stream.commit(ready);
    assert.equal(stream.applied, 3);
    assert.deepEqual(stream.accept(entries([1, 3])).ready, []);
    assert.throws(() => stream.commit(entries([5])), /in order/);
  });

  it('a reset skips to the origin’s reset point and asks for repair', () => {
    const stream = new InboundStream('us-east', 2, 100);
    const { ready, reset } = stream.accept(entries([9]), 9);
    assert.equal(reset, true);
    assert.deepEqual(ready.map((entry) => entry.seq), [9]);
    stream.commit(ready);
    assert.equal(stream.applied, 9);
    assert.equal(stream.accept([], 9).reset, false, 'the same reset again is not a new one');
  });
});

describe('streams end to end on the simulated network', () => {
  it('with 30% loss and 10% duplication between regions, every change arrives exactly once, in order', () => {
    const { sim, geo } = threeRegions(21);
    lossyBetweenRegions(sim, 0.3, 0.1);
    geo.startWorkload({ ratePerRegionPerSecond: 40, keyspaces: ['likes', 'profiles'], keysPerKeyspace: 5 });
    sim.runFor(10_000);
    geo.quiesce();
    geo.awaitConvergence(15_000);
    for (const origin of THREE_REGIONS) {
      const lastSeq = geo.replica(origin)!.lastSeq;
      for (const destination of THREE_REGIONS) if (destination !== origin) assert.equal(geo.replica(destination)!.appliedFrom(origin), lastSeq, `${destination} applied all of ${origin}`);
    }
    assert.match(geo.verifyOutcomes(), /counters hold every acknowledged increment/);
    assert.ok(sim.network.counters('us-east', 'eu-west').dropped > 10, 'the test did lose messages');
  });

  it('a region cut off past the retention limit is repaired by anti-entropy, exchanging only what differs', () => {
    const { sim, geo } = threeRegions(22, { retainedChangesMax: 50 });
    for (let i = 0; i < 300; i++) {
      geo.submit('us-east', { keyspace: 'profiles', key: `p${i}`, operation: { kind: 'put', value: 'v1' } });
      sim.runFor(5);
    }
    sim.runFor(3_000);
    assert.ok([...geo.antiEntropySessions.values()].every((session) => session.keysExchanged === 0), 'streaming kept up: no repair needed');
    geo.isolateRegion('ap-south');
    for (let i = 0; i < 120; i++) {
      geo.submit('us-east', { keyspace: 'profiles', key: `p${i}`, operation: { kind: 'put', value: 'v2' } });
      sim.runFor(5);
    }
    sim.runFor(5_000);
    assert.equal(geo.replica('us-east')!.peerStatus().find((peer) => peer.peer === 'ap-south')!.backlogGivenUp, true);
    assert.ok(geo.replica('us-east')!.retainedChanges <= 50, 'the log did not keep the backlog');
    sim.network.heal();
    const report = geo.awaitConvergence(10_000);
    assert.equal(report.keysChecked, 300);
    const repairs = [...geo.antiEntropySessions.values()].filter((session) => session.keysExchanged > 0);
    const exchanged = repairs.reduce((sum, session) => sum + session.keysExchanged, 0);
    // The last changes, within the retention limit, are still streamed; the rest is repaired.
    assert.ok(exchanged >= 120 - 50 && exchanged <= 120, `anti-entropy exchanged ${exchanged} key states`);
    for (const session of repairs) {
      assert.ok(session.keysExchanged <= session.keysDifferingAtStart!, `${session.session}: one state per differing key (ap-south knew nothing us-east did not), got ${session.keysExchanged} for ${session.keysDifferingAtStart}`);
    }
    assert.equal(geo.replica('ap-south')!.needsRepairFrom('us-east'), false);
  });

  it('regions that all need repair from one another do not decline each other forever', () => {
    const { sim, geo } = threeRegions(25, { retainedChangesMax: 20 });
    sim.runFor(500);
    sim.network.partition(THREE_REGIONS.map((region) => geo.nodesOf(region)));
    for (const region of THREE_REGIONS) for (let i = 0; i < 60; i++) geo.submit(region, { keyspace: 'likes', key: `k${i % 15}`, operation: { kind: 'increment', amount: 1 } });
    sim.runFor(3_000);
    sim.network.heal();
    geo.awaitConvergence(8_000);
    // The data may converge through a third region before every pair has had its own session.
    const flagged = (): string[] => THREE_REGIONS.flatMap((region) => THREE_REGIONS.filter((peer) => peer !== region && geo.replica(region)!.needsRepairFrom(peer)).map((peer) => `${region}<${peer}`));
    sim.runUntil(() => flagged().length === 0, { withinMs: 5_000, waitingFor: 'every repair to be done' });
    assert.match(geo.verifyOutcomes(), /15 counters hold every acknowledged increment/);
  });

  it('a change acknowledged to the client survives the origin crashing before it was streamed', () => {
    const { sim, geo } = threeRegions(23);
    sim.runFor(500);
    geo.isolateRegion('eu-west');
    geo.perform('eu-west', 'profiles/order-77', { kind: 'put', value: 'refund' });
    geo.failRegion('eu-west');
    sim.network.heal();
    sim.runFor(2_000);
    assert.equal(geo.renderAt('us-east', 'profiles/order-77'), '(absent)');
    geo.recoverRegion('eu-west');
    geo.awaitValue('profiles/order-77', 'refund', THREE_REGIONS, 2_000);
  });

  it('a destination that crashes keeps what it acknowledged and does not apply a change twice', () => {
    const { sim, geo } = threeRegions(24);
    sim.runFor(500);
    for (let i = 0; i < 20; i++) geo.perform('us-east', 'likes/post', { kind: 'increment', amount: 1 });
    sim.runFor(1_000);
    geo.failRegion('ap-south');
    for (let i = 0; i < 20; i++) geo.perform('us-east', 'likes/post', { kind: 'increment', amount: 1 });
    sim.runFor(1_000);
    geo.recoverRegion('ap-south');
    geo.awaitValue('likes/post', '40', THREE_REGIONS, 3_000);
    geo.awaitConvergence(3_000);
  });
});
