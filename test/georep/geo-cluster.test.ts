/**
 * Regions end to end on the simulator: active-active writes, visibility within the
 * one-way latency, hybrid logical clocks under skew (Kulkarni et al. 2014 §3: e hb f ⇒
 * hlc.e < hlc.f, so a write made after reading another is stamped after it), the
 * maximum-offset refusal (CockroachDB), region failure and catch-up, and determinism
 * (same seed, same trace).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compareHlc } from '../../src/georep';
import { threeRegions, THREE_REGIONS } from './harness';

describe('regions end to end', () => {
  it('a write is readable in each region one one-way latency (plus batching) after it was made', () => {
    const { sim, geo } = threeRegions(31);
    sim.runFor(300);
    geo.perform('us-east', 'profiles/zoe', { kind: 'put', value: 'hello' });
    const seen = geo.awaitValue('profiles/zoe', 'hello', THREE_REGIONS, 500);
    for (const { region, afterMs } of seen) {
      const boundMs = geo.latencyMs('us-east', region) + 1 + geo.tuning.flushDelayMs + 1;
      assert.ok(afterMs <= boundMs, `${region} saw it after ${afterMs} ms (bound ${boundMs} ms)`);
    }
  });

  it('a write made after reading another wins over it under LWW, even from a region whose clock is 400 ms behind', () => {
    const { sim, geo } = threeRegions(32);
    geo.setRegionClock('eu-west', -400);
    sim.runFor(300);
    const first = geo.perform('us-east', 'profiles/alice', { kind: 'put', value: 'draft' }, 'alice');
    geo.perform('us-east', 'profiles/alice', undefined, 'alice');
    const second = geo.perform('eu-west', 'profiles/alice', { kind: 'put', value: 'final' }, 'alice');
    assert.ok(compareHlc(second.timestamp, first.timestamp) > 0, 'the session carried its causal timestamp to eu-west');
    geo.awaitValue('profiles/alice', 'final', THREE_REGIONS, 1_000);
  });

  it('without the causal link, the write with the later timestamp wins even when it was made earlier in real time', () => {
    const { sim, geo } = threeRegions(33);
    geo.setRegionClock('eu-west', -300);
    sim.runFor(300);
    geo.cutBetween('us-east', 'eu-west');
    geo.isolateRegion('ap-south');
    geo.perform('us-east', 'profiles/bob', { kind: 'put', value: 'from us-east' });
    sim.runFor(100);
    geo.perform('eu-west', 'profiles/bob', { kind: 'put', value: 'from eu-west' });
    sim.network.heal();
    geo.awaitValue('profiles/bob', 'from us-east', THREE_REGIONS, 2_000);
    assert.match(geo.verifyOutcomes(), /hold their latest write/);
  });

  it('a region whose clock is beyond the maximum offset is refused by the others, and accepted once corrected', () => {
    const { sim, geo } = threeRegions(34);
    sim.runFor(300);
    geo.setRegionClock('ap-south', 2_000);
    sim.runFor(1_000);
    assert.deepEqual(geo.refusedBy('us-east'), ['ap-south']);
    assert.deepEqual(geo.refusedBy('ap-south'), ['eu-west', 'us-east']);
    geo.perform('ap-south', 'profiles/skewed', { kind: 'put', value: 'x' });
    sim.runFor(1_000);
    assert.equal(geo.renderAt('us-east', 'profiles/skewed'), '(absent)', 'nothing from the refused region is applied');
    assert.ok(geo.clockEvents.some((event) => event.region === 'us-east' && event.peer === 'ap-south' && event.verdict === 'refused' && event.offsetMs > 1_800));
    geo.setRegionClock('ap-south', 0);
    // ap-south's write carries a timestamp 2 s ahead: it is accepted once real time has caught up to within the offset.
    geo.awaitValue('profiles/skewed', 'x', THREE_REGIONS, 4_000);
    assert.deepEqual(geo.refusedBy('us-east'), []);
  });

  it('while a region is down the others serve reads and writes; it catches up when it returns', () => {
    const { sim, geo } = threeRegions(35);
    sim.runFor(300);
    geo.failRegion('eu-west');
    geo.perform('us-east', 'profiles/order', { kind: 'put', value: 'paid' });
    geo.perform('ap-south', 'likes/widget', { kind: 'increment', amount: 4 });
    geo.awaitValue('profiles/order', 'paid', ['us-east', 'ap-south'], 500);
    assert.throws(() => geo.perform('eu-west', 'profiles/order', undefined), /no answer/);
    sim.runFor(3_000);
    geo.recoverRegion('eu-west');
    geo.awaitValue('profiles/order', 'paid', THREE_REGIONS, 2_000);
    geo.awaitValue('likes/widget', '4', THREE_REGIONS, 2_000);
  });

  it('the same seed gives the same trace, byte for byte', () => {
    const digests = [1, 2].map(() => {
      const { sim, geo } = threeRegions(36);
      geo.startWorkload({ ratePerRegionPerSecond: 30, keyspaces: ['profiles', 'likes', 'carts', 'tags'], keysPerKeyspace: 4 });
      geo.startChaos({ maxClockSkewMs: 150, maxDriftPpm: 50 });
      sim.runFor(8_000);
      return sim.trace.digestHex();
    });
    assert.equal(digests[0], digests[1]);
  });
});
