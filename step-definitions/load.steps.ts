import { Given, Then, When } from '@cucumber/cucumber';
import { expect } from 'chai';
import { type LoadOperation, loadTest, type Percentile } from '../support/load-scenario';
import type { PhantomWorld } from '../support/world';

// Glossary section: Load testing
// Capability: load
// Needs first: for the store load, a running store ("Given a running cluster of 5 nodes storing data in 3 shards with 3 replicas each"); for tellers, the bank ("... bank accounts holding ... each, spread over every shard"); Then-steps need a load run or a ramp before them.

// Load testing: simulated users on the store or the bank, the report table and charts,
// thresholds, and the stress ramp that finds the knee. Latencies are simulated milliseconds.

function mix(entries: [LoadOperation, number][]): Map<LoadOperation, number> {
  return new Map(entries);
}

// Sets how long each simulated user waits between the end of one operation and the start of its next (uniformly between the two; default 50 ms to 200 ms). Comes before the load runs. Example: "Given each simulated user thinks for 100 ms to 1 second between operations".
Given('each simulated user thinks for {duration} to {duration} between operations', function (this: PhantomWorld, minMs: number, maxMs: number) {
  if (maxMs < minMs) throw new Error(`In step "${this.currentStep}": the longest think time (${maxMs} ms) is shorter than the shortest (${minMs} ms)`);
  loadTest(this).thinkTimeMs = { minMs, maxMs };
});

// Sets how many keys the simulated users read and write (chosen uniformly; default 200). Comes before the load runs. Example: "Given the simulated users work on 1000 keys".
Given('the simulated users work on {int} keys', function (this: PhantomWorld, keys: number) {
  if (keys < 2) throw new Error(`In step "${this.currentStep}": the users need at least 2 keys, got ${keys}`);
  loadTest(this).keys = keys;
});

// Runs closed-loop simulated users on the store for the duration of virtual time, each doing reads, writes and two-key transactions in the given shares (which must add up to 100%), then lets the last operations finish; attaches the report table (per operation: count, errors, throughput, p50/p95/p99/max latency, errors by reason), a latency histogram and latency and throughput over virtual time. Needs a running store ("a running cluster of … storing data in … shards …"). Example: "When 200 users spend 5 minutes doing 80% reads, 15% writes and 5% transactions".
When('{int} users spend {duration} doing {percentage} reads, {percentage} writes and {percentage} transactions', function (this: PhantomWorld, users: number, durationMs: number, reads: number, writes: number, txns: number) {
  loadTest(this).run(users, mix([['read', reads], ['write', writes], ['transaction', txns]]), durationMs);
});

// Runs closed-loop simulated tellers that transfer money between two random accounts for the duration of virtual time, then attaches the same report and charts as the store load. Needs the bank ("… bank accounts holding … each, spread over every shard"). Example: "When 40 tellers spend 1 minute transferring money between the accounts".
When('{int} tellers spend {duration} transferring money between the accounts', function (this: PhantomWorld, users: number, durationMs: number) {
  loadTest(this).run(users, mix([['transfer', 1]]), durationMs);
});

// Stress mode on the store: starts with the given number of users doing reads and writes in the given shares, doubles them after every stage of the given length (up to 2000 users), and stops at the first stage whose latency percentile of the watched operation passes the bound or whose failed share passes the limit; attaches the stages and the knee. Example: "When users doing 80% reads and 20% writes double from 25 every 10 seconds until the p99 write latency passes 100 ms or 5% of operations fail".
When(
  'users doing {percentage} reads and {percentage} writes double from {int} every {duration} until the {percentile} {load operation} latency passes {duration} or {percentage} of operations fail',
  function (this: PhantomWorld, reads: number, writes: number, fromUsers: number, stageMs: number, percentile: Percentile, kind: LoadOperation, latencyMs: number, errorShare: number) {
    loadTest(this).ramp(mix([['read', reads], ['write', writes]]), fromUsers, stageMs, { kind, percentile, latencyMs, errorShare });
  },
);

// Stress mode on the bank: tellers transferring money, doubled after every stage (up to 2000) until the transfer latency percentile passes the bound or the failed share of transfers passes the limit; attaches the stages and the knee. Needs the bank. Example: "When tellers transferring money double from 5 every 10 seconds until the p99 transfer latency passes 200 ms or 10% of transfers fail".
When(
  'tellers transferring money double from {int} every {duration} until the {percentile} transfer latency passes {duration} or {percentage} of transfers fail',
  function (this: PhantomWorld, fromUsers: number, stageMs: number, percentile: Percentile, latencyMs: number, errorShare: number) {
    loadTest(this).ramp(mix([['transfer', 1]]), fromUsers, stageMs, { kind: 'transfer', percentile, latencyMs, errorShare });
  },
);

// Checks a latency percentile (p50, p95, p99 or max) of the successful operations of one type (read, write, transaction or transfer) in the last load run, in simulated time. Needs a load run before. Example: "Then the p99 write latency is under 50 ms".
// Instant: reads the figures of the last load run, which ended before this step.
Then('the {percentile} {load operation} latency is under {duration}', function (this: PhantomWorld, percentile: Percentile, kind: LoadOperation, boundMs: number) {
  const row = loadTest(this).row(kind);
  expect(row.latencyMs, `no ${kind} succeeded in the load run`).to.not.equal(undefined);
  expect(row.latencyMs![percentile], `${percentile} ${kind} latency (simulated ms) over ${row.ok} successful ${kind}s`).to.be.below(boundMs);
});

// Checks the share of operations of one type that failed or ended with an unknown outcome in the last load run. Needs a load run before. Example: "Then at most 1% of write operations failed".
// A transaction or transfer that aborted because it met the lock of an older one (wait-die) counts as failed: with
// many users on few keys or accounts most of them conflict (10 tellers on 8 accounts: about half fail), so give the
// load enough keys or accounts for the share you expect.
// Instant: reads the figures of the last load run.
Then('at most {percentage} of {load operation} operations failed', function (this: PhantomWorld, share: number, kind: LoadOperation) {
  const row = loadTest(this).row(kind);
  expect(row.count, `${kind}s run`).to.be.above(0);
  const reasons = [...row.errorsByReason].map(([reason, count]) => `${count} × ${reason}`).join('; ');
  expect(row.errors / row.count, `failed share of ${row.count} ${kind}s (${reasons || 'none'})`).to.be.at.most(share);
});

// Checks the throughput of one operation type in the last load run: successful operations per simulated second. Needs a load run before. Example: "Then the read throughput is at least 500 per second".
// Instant: reads the figures of the last load run.
Then('the {load operation} throughput is at least {int} per second', function (this: PhantomWorld, kind: LoadOperation, perSecond: number) {
  const row = loadTest(this).row(kind);
  expect(row.throughputPerS, `${kind}s per simulated second`).to.be.at.least(perSecond);
});

// Checks the stress ramp: every stage up to and including the given number of users stayed within the threshold. Needs a ramp before. Example: "Then the load stayed within the threshold up to at least 50 users".
// Instant: reads the stages of the last ramp.
Then('the load stayed within the threshold up to at least {int} users', function (this: PhantomWorld, users: number) {
  const { lastGood, firstBad } = loadTest(this).knee;
  expect(lastGood?.users ?? 0, `the most users within the threshold (first stage past it: ${firstBad ? `${firstBad.users} users, ${firstBad.breach}` : 'none'})`).to.be.at.least(users);
});

// Checks that the stress ramp found its knee: some stage at or below the given number of users passed the threshold. Needs a ramp before. Example: "Then the ramp passed the threshold at 1600 users or fewer".
// Instant: reads the stages of the last ramp.
Then('the ramp passed the threshold at {int} users or fewer', function (this: PhantomWorld, users: number) {
  const { firstBad, stages } = loadTest(this).knee;
  const stayedWithin = (): string => {
    const last = stages[stages.length - 1];
    const latency = last?.latencyMs === undefined ? 'none succeeded' : `${last.latencyMs.toFixed(1)} ms`;
    return `the ramp never passed the threshold: every stage stayed within it (${stages.map((stage) => stage.users).join(', ')} users; the last, ${last?.users} users, had the watched latency ${latency} and ${((last?.errorShare ?? 0) * 100).toFixed(1)}% failed); lower the latency bound or the failed share`;
  };
  expect(firstBad, firstBad === undefined ? stayedWithin() : '').to.not.equal(undefined);
  expect(firstBad!.users, 'users at the first stage past the threshold').to.be.at.most(users);
});
