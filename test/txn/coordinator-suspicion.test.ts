import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Message, NodeId } from '../../src/runtime/ports';
import { SeededRandom } from '../../src/sim/random';
import { TxnClient, type TxnClientEnv } from '../../src/txn/client';

/**
 * A transaction client facing two coordinators, one of them in a lost region (it never
 * answers): a client must not keep paying a deadline for it every few seconds (issue 11
 * §2: a region failure during a saga), and must use it again once it answers.
 */
function harness(): { client: TxnClient; sent: { to: NodeId; message: Message }[]; advance(ms: number): void; nowMs(): number } {
  let nowMs = 0;
  let timers: { atMs: number; id: number; callback: () => void }[] = [];
  let nextId = 1;
  const sent: { to: NodeId; message: Message }[] = [];
  const env: TxnClientEnv = {
    id: 'client',
    clock: { nowMs: () => nowMs },
    timers: {
      setTimer: (delayMs, callback) => {
        const id = nextId++;
        timers.push({ atMs: nowMs + delayMs, id, callback });
        return id;
      },
      cancelTimer: (id) => {
        timers = timers.filter((timer) => timer.id !== id);
      },
    },
    network: {
      send: (to, message) => {
        sent.push({ to, message });
        // The live coordinator answers every request 2 ms later; the lost one never does.
        const request = message as unknown as { txnId: string; sequence: number };
        if (to === 'live') env.timers.setTimer(2, () => client.onMessage('live', { type: 'txn.client-response', txnId: request.txnId, sequence: request.sequence, reply: { status: 'ok', value: null } } as Message));
      },
    },
    random: new SeededRandom(3),
    trace: () => undefined,
  };
  const client = new TxnClient(env, { clientId: 'c', coordinators: () => ['lost', 'live'] });
  return {
    client,
    sent,
    nowMs: () => nowMs,
    advance(ms: number): void {
      const until = nowMs + ms;
      for (;;) {
        timers.sort((left, right) => left.atMs - right.atMs || left.id - right.id);
        const next = timers[0];
        if (next === undefined || next.atMs > until) break;
        timers.shift();
        nowMs = next.atMs;
        next.callback();
      }
      nowMs = until;
    },
  };
}

/** Begins transactions until one goes to `coordinator`; returns how many went elsewhere first. */
function beginUntil(client: TxnClient, coordinator: NodeId, limit: number): number {
  for (let begun = 0; begun < limit; begun++) {
    const txn = client.begin();
    txn.read('k');
    if (txn.coordinator === coordinator) return begun;
  }
  return limit;
}

describe('choosing transaction coordinators after a region is lost', () => {
  test('a coordinator that never answers is avoided soon after the first unanswered request, for twice as long each time it stays silent', () => {
    const { client, advance, nowMs } = harness();
    assert.equal(beginUntil(client, 'lost', 4) < 4, true, 'the lost coordinator is chosen in turn at first');
    advance(300); // one resend period without a word
    assert.equal(beginUntil(client, 'lost', 50), 50, 'then new transactions go to the live one');
    const tries: number[] = [];
    for (let round = 0; round < 4; round++) {
      // Wait until the suspicion ends and a new transaction tries the lost coordinator again.
      let waited = 0;
      for (;;) {
        advance(500);
        waited += 500;
        const txn = client.begin();
        txn.read('k');
        if (txn.coordinator === 'lost') break;
        assert.ok(waited < 200_000, 'the lost coordinator is tried again eventually');
      }
      tries.push(nowMs());
      advance(300);
    }
    const gaps = tries.slice(1).map((at, index) => at - tries[index]);
    assert.ok(gaps[1] > gaps[0] && gaps[2] > gaps[1], `the waits between tries grow: ${gaps.join(', ')} ms`);
    assert.ok(gaps[2] <= 60_000 + 1_000, `and stay within the 60 s limit: ${gaps[2]} ms`);
  });

  test('an answer from the coordinator clears its suspicion at once', () => {
    const { client, advance } = harness();
    beginUntil(client, 'lost', 4);
    advance(300);
    assert.equal(beginUntil(client, 'lost', 10), 10);
    client.onMessage('lost', { type: 'txn.client-response', txnId: 'c.999', sequence: 1, reply: { status: 'in-progress' } } as Message);
    assert.ok(beginUntil(client, 'lost', 4) < 4, 'chosen again in turn');
  });
});

/**
 * The acknowledged mark every request carries (TxnClient.settledThrough; src/txn/txn-id.ts;
 * Ongaro's thesis §6.3, the client's lowest unanswered number): shards forget a client's
 * transactions only up to it, so it must never pass a transaction the client still asks about.
 */
describe('the acknowledged mark', () => {
  test('stays below the lowest open transaction, and moves up once every earlier one has an outcome', () => {
    const { client } = harness();
    assert.equal(client.settledThrough(), 0, 'nothing began');
    const first = client.begin();
    const second = client.begin();
    assert.equal(client.settledThrough(), 0, 'c.1 and c.2 are open');
    client.onSettled(second);
    assert.equal(client.settledThrough(), 0, 'c.1 is still open: c.2 alone may not be forgotten past it');
    client.onSettled(first);
    assert.equal(client.settledThrough(), 2);
    client.begin();
    assert.equal(client.settledThrough(), 2, 'c.3 is open');
  });

  test('a transaction the client stopped asking about does not hold the mark back', () => {
    const { client } = harness();
    const gaveUp = client.begin();
    const open = client.begin();
    (gaveUp as unknown as { stoppedAsking: boolean }).stoppedAsking = true;
    assert.equal(client.settledThrough(), 1, 'c.2 is open; c.1 was given up');
    client.onSettled(open);
    assert.equal(client.settledThrough(), 2);
  });
});

/** An answer counts only from a node the request went to, as on a connection. */
describe('answers come from the node asked', () => {
  test("a stranger's answer, or another server's, to a transaction's request is ignored; the coordinator's is taken", () => {
    const { client, advance } = harness();
    client.begin({ coordinator: 'lost' }).read('j'); // the client has asked 'lost', for another transaction
    const txn = client.begin({ coordinator: 'live' });
    const read = txn.read('k');
    const forged = { type: 'txn.client-response', txnId: txn.id, sequence: 1, reply: { status: 'ok', value: 'forged' } } as Message;
    client.onMessage('rogue', forged);
    client.onMessage('lost', { ...forged, txnId: txn.id } as Message);
    assert.equal(read.done, false, 'neither the stranger nor a server the read never went to answered it');
    advance(5);
    assert.equal(read.done, true);
    assert.equal(read.value, null, 'the coordinator answered');
  });

  test("reads nothing of a message from a node the client never asked: a getter in it never runs", () => {
    const { client } = harness();
    let ran = 0;
    client.onMessage('rogue', Object.defineProperty({}, 'type', { enumerable: true, get: () => (ran++, 'txn.client-response') }) as Message);
    assert.equal(ran, 0);
  });
});
