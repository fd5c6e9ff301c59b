/**
 * Clock-offset measurement between regions (Cristian 1989: offset = remote − (sent + rtt/2),
 * ± rtt/2) and the refusal of peers beyond the maximum offset (CockroachDB's
 * RemoteClockMonitor): refused only when beyond for certain, accepted again only when
 * within for certain.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ClockMonitor } from '../../src/georep';

describe('clock-offset monitor', () => {
  it('estimates the offset from one ping and its round trip', () => {
    const monitor = new ClockMonitor(500);
    assert.equal(monitor.observe('eu-west', 1000, 1300, 1160), undefined);
    const measurement = monitor.measurement('eu-west')!;
    assert.equal(measurement.offsetMs, 220);
    assert.equal(measurement.uncertaintyMs, 80);
    assert.equal(monitor.roundTripMs('eu-west'), 160);
  });

  it('refuses a peer beyond the maximum offset, says why, and accepts it once corrected', () => {
    const monitor = new ClockMonitor(500);
    const refused = monitor.observe('ap-south', 0, 2080, 160);
    assert.equal(refused?.verdict, 'refused');
    assert.equal(refused?.measurement.offsetMs, 2000);
    assert.equal(refused?.maxOffsetMs, 500);
    assert.ok(monitor.isRefused('ap-south'));
    assert.deepEqual(monitor.refusedPeers(), ['ap-south']);
    assert.equal(monitor.observe('ap-south', 1000, 1530, 1160), undefined, 'offset 450 ± 80 might be beyond: the verdict holds');
    assert.ok(monitor.isRefused('ap-south'));
    const accepted = monitor.observe('ap-south', 2000, 2100, 2160);
    assert.equal(accepted?.verdict, 'accepted');
    assert.ok(!monitor.isRefused('ap-south'));
  });

  it('a clock behind by more than the maximum is refused as well', () => {
    const monitor = new ClockMonitor(500);
    assert.equal(monitor.observe('us-east', 10_000, 9_000, 10_100)?.verdict, 'refused');
  });
});
