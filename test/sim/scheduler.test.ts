import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Scheduler, SimulationTimeoutError } from '../../src/sim';

describe('Scheduler (virtual clock)', () => {
  it('runs events in (time, insertion) order', () => {
    const scheduler = new Scheduler();
    const order: string[] = [];
    scheduler.schedule(5, () => order.push('b'));
    scheduler.schedule(1, () => order.push('a'));
    scheduler.schedule(5, () => order.push('c'));
    scheduler.schedule(0, () => scheduler.schedule(1, () => order.push('a2')));
    scheduler.runFor(10);
    assert.deepEqual(order, ['a', 'a2', 'b', 'c']);
    assert.equal(scheduler.nowMs, 10);
  });

  it('orders thousands of random events like a stable sort', () => {
    const scheduler = new Scheduler();
    const seen: [number, number][] = [];
    for (let i = 0; i < 5000; i++) {
      const time = (i * 7919) % 97;
      scheduler.schedule(time, () => seen.push([time, i]));
    }
    scheduler.runFor(100);
    const sorted = seen.slice().sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    assert.deepEqual(seen, sorted);
  });

  it('does not run cancelled events', () => {
    const scheduler = new Scheduler();
    let ran = false;
    const event = scheduler.schedule(1, () => (ran = true));
    scheduler.cancel(event);
    scheduler.runFor(2);
    assert.equal(ran, false);
  });

  it('runUntil stops as soon as the predicate holds', () => {
    const scheduler = new Scheduler();
    let count = 0;
    for (let i = 1; i <= 10; i++) scheduler.schedule(i * 10, () => count++);
    scheduler.runUntil(() => count === 3, { withinMs: 1000, waitingFor: 'three ticks' });
    assert.equal(scheduler.nowMs, 30);
  });

  it('runUntil names what it waited for, the virtual time and the status when the bound passes', () => {
    const scheduler = new Scheduler();
    scheduler.statusProvider = () => '3 nodes, no leader';
    assert.throws(
      () => scheduler.runUntil(() => false, { withinMs: 2000, waitingFor: 'a leader' }),
      (error: unknown) =>
        error instanceof SimulationTimeoutError &&
        /a leader/.test(error.message) &&
        /2\.000 s/.test(error.message) &&
        /3 nodes, no leader/.test(error.message),
    );
  });

  it('runUntil words a described wait only when it fails, from the state at that time', () => {
    const scheduler = new Scheduler();
    let locks = 3;
    let worded = 0;
    const waitingFor = (): string => `every lock to be released (now ${locks} held)`;
    for (let i = 1; i <= 3; i++) scheduler.schedule(i * 100, () => locks--);
    scheduler.runUntil(() => locks === 0, { withinMs: 1000, waitingFor: () => (worded++, waitingFor()) });
    assert.equal(worded, 0, 'a wait that succeeded worded its description');
    locks = 3;
    scheduler.schedule(100, () => locks--);
    assert.throws(
      () => scheduler.runUntil(() => locks === 0, { withinMs: 500, waitingFor: () => (worded++, waitingFor()) }),
      (error: unknown) => error instanceof SimulationTimeoutError && /now 2 held/.test(error.message),
    );
    assert.equal(worded, 1);
  });

  it('rejects negative delays', () => {
    assert.throws(() => new Scheduler().schedule(-1, () => undefined), RangeError);
  });
});

describe('Scheduler polling', () => {
  it('checks a costly predicate at most once per poll interval, and still returns once it holds', () => {
    const scheduler = new Scheduler();
    let value = 0;
    for (let i = 1; i <= 1000; i++) scheduler.schedule(i / 10, () => value++);
    let checks = 0;
    scheduler.runUntil(() => (checks++, value >= 500), { withinMs: 1000, pollMs: 5 });
    assert.ok(value >= 500 && value < 560, `value ${value}`);
    assert.ok(checks <= 12, `checked ${checks} times`);
  });
});

describe('Scheduler cancellation', () => {
  it('drops cancelled events in bulk so that the heap stays proportional to live work', () => {
    const scheduler = new Scheduler();
    let fired = 0;
    for (let i = 0; i < 100_000; i++) {
      const deadline = scheduler.schedule(10_000 + i, () => fired--);
      scheduler.schedule(i / 100, () => {
        fired++;
        scheduler.cancel(deadline);
      });
    }
    scheduler.runFor(1_000);
    assert.equal(fired, 100_000);
    assert.ok(scheduler.pendingEvents < 10_000, `pending ${scheduler.pendingEvents}`);
    scheduler.runFor(200_000);
    assert.equal(fired, 100_000, 'no cancelled event ran');
  });

  it('keeps (time, sequence) order after a bulk drop', () => {
    const scheduler = new Scheduler();
    const order: number[] = [];
    const doomed = Array.from({ length: 5000 }, (_, i) => scheduler.schedule(500 + i, () => order.push(-1)));
    for (let i = 0; i < 200; i++) scheduler.schedule((i * 37) % 101, () => order.push(i));
    for (const event of doomed) scheduler.cancel(event);
    scheduler.runFor(10_000);
    const expected = Array.from({ length: 200 }, (_, i) => i).sort((a, b) => ((a * 37) % 101) - ((b * 37) % 101) || a - b);
    assert.deepEqual(order, expected);
  });
});
