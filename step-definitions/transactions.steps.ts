import { DataTable, Given, Then, When } from '@cucumber/cucumber';
import { expect } from 'chai';
import * as sinon from 'sinon';
import type { FaultKind } from '../src/sim';
import { COMPENSATION_ATTEMPTS, sagas, transactions } from '../support/txn-scenario';
import type { PhantomWorld } from '../support/world';

// Glossary section: Transactions
// Capability: transactions
// Needs first: nothing for the account and bank steps: when no store runs they start the default one (5 nodes, 3 shards of 3 replicas each; on a running cluster, its nodes). To choose the store, start with "Given a running cluster of 5 nodes storing data in 3 shards with 3 replicas each".
// Transfers between accounts in one transaction (two-phase commit across shards), the bank under random faults, and trip-booking sagas.

// ---- accounts ------------------------------------------------------------------------------
// Needs first: nothing (starts the default store if none runs).

// Opens the accounts of the table in one transaction, each account on a shard of its own (so at most as many accounts as shards). Waits (at most 15 s) until they are open.
// Columns: account (required): a name of your choice; balance (required): a whole number, 0 or more.
// | account | balance |
// | alice   | 100     |
// | bob     | 50      |
Given('these accounts, each on a different shard:', function (this: PhantomWorld, table: DataTable) {
  transactions(this).openAccounts(table.hashes() as { account: string; balance: string }[], 'different shards');
});

// Opens the accounts of the table in one transaction, all on the same shard. Waits (at most 15 s) until they are open.
// Columns: account (required): a name of your choice; balance (required): a whole number, 0 or more.
// | account | balance |
// | alice   | 100     |
// | bob     | 50      |
Given('these accounts, all on one shard:', function (this: PhantomWorld, table: DataTable) {
  transactions(this).openAccounts(table.hashes() as { account: string; balance: string }[], 'one shard');
});

// Reads the accounts of the table in one transaction of its own and compares each balance. Waits (at most 15 s per attempt, 5 attempts) for the read to commit: a read that meets a lock is retried.
// Needs first: the accounts, opened by "Given these accounts, each on a different shard:".
// Columns: account (required): an account opened earlier; balance (required): the whole number expected.
// | account | balance |
// | alice   | 70      |
// | bob     | 80      |
Then('the balances are:', function (this: PhantomWorld, table: DataTable) {
  const rows = table.hashes() as { account: string; balance: string }[];
  const balances = transactions(this).balances(rows.map((row) => row.account));
  expect(Object.fromEntries(balances)).to.deep.equal(Object.fromEntries(rows.map((row) => [row.account, Number(row.balance)])));
});

// ---- transfers -------------------------------------------------------------------------------
// Needs first: the accounts, opened by "Given these accounts, each on a different shard:" (or "..., all on one shard:").

// One transaction that moves money between two accounts, then commits; waits until it ends or its outcome is unknown.
When('client {string} transfers {int} from {string} to {string}', function (this: PhantomWorld, client: string, amount: number, from: string, to: string) {
  transactions(this).transfer(client, [{ from, to, amount }]);
});

// One transaction doing every move of the table, then committing; waits (at most 15 s) until it ends or its outcome is unknown.
// Columns: from (required): an account; to (required): another account; amount (required): a whole number above 0.
// | from  | to    | amount |
// | alice | bob   | 10     |
// | bob   | carol | 5      |
When('client {string} transfers in one transaction:', function (this: PhantomWorld, client: string, table: DataTable) {
  const moves = (table.hashes() as { from: string; to: string; amount: string }[]).map((row, index) => {
    const amount = Number(row.amount);
    if (!row.from || !row.to || !(Number.isInteger(amount) && amount > 0)) {
      throw new Error(`In step "${this.currentStep}", row ${index + 1}: expected columns from, to (accounts) and amount (a whole number above 0), got ${JSON.stringify(row)}`);
    }
    return { from: row.from, to: row.to, amount };
  });
  transactions(this).transfer(client, moves);
});

// One transaction that also reads a third account (and writes nothing there), then commits.
When('client {string} transfers {int} from {string} to {string} and reads {string} in one transaction', function (this: PhantomWorld, client: string, amount: number, from: string, to: string, read: string) {
  transactions(this).transfer(client, [{ from, to, amount }], { commit: true, alsoRead: read });
});

// The transaction writes the new balances and then rolls back instead of committing.
When('client {string} transfers {int} from {string} to {string} but rolls back instead of committing', function (this: PhantomWorld, client: string, amount: number, from: string, to: string) {
  transactions(this).transfer(client, [{ from, to, amount }], { commit: false });
  transactions(this).rollback(client);
});

// The transaction has locked both accounts and written their new balances, but has not asked to commit yet.
Given('client {string} has begun transferring {int} from {string} to {string}', function (this: PhantomWorld, client: string, amount: number, from: string, to: string) {
  const txn = transactions(this).transfer(client, [{ from, to, amount }], { commit: false });
  expect(txn.outcome, txn.reason).to.equal('pending');
});

// A transaction that has begun (so it is older than any begun later) and done nothing yet.
Given('client {string} has begun a transaction', function (this: PhantomWorld, client: string) {
  transactions(this).begin(client);
  this.sim.runFor(5);
});

// The client's open transaction reads an account; the step does not wait for the answer (it may have to wait for a lock).
When('client {string} starts reading {string} in its transaction', function (this: PhantomWorld, client: string, account: string) {
  transactions(this).startRead(client, account);
});

// The client asks to commit its open transaction and waits until it ends or its outcome is unknown.
When('client {string} commits its transaction', function (this: PhantomWorld, client: string) {
  transactions(this).commit(client);
});

// ---- outcomes ---------------------------------------------------------------------------------
// Needs first: a transaction of that client, e.g. "When client "c1" transfers 30 from "alice" to "bob"".

// Instant: the client was told that its last transaction committed (the transfer and commit steps already waited for the outcome).
Then("client {string}'s transaction committed", function (this: PhantomWorld, client: string) {
  const txn = transactions(this).transaction(client);
  expect(txn.outcome, txn.reason).to.equal('committed');
});

// Instant: the client was told that its last transaction aborted, with a reason containing the text (the transfer and commit steps already waited).
// Values: the reason is any part of the refusal: the text given to "the shard holding ... will refuse every change because ...", "wound" or "died" for a lock conflict.
Then("client {string}'s transaction was aborted because {string}", function (this: PhantomWorld, client: string, reason: string) {
  const txn = transactions(this).transaction(client);
  expect(txn.outcome, `client ${client}'s transaction ${txn.id} ended ${txn.outcome}${txn.reason ? ` (${txn.reason})` : ''}`).to.equal('aborted');
  expect(txn.reason, `client ${client}'s transaction ${txn.id} aborted`).to.contain(reason);
});

// Instant: the client asked to commit, but its coordinator fell silent, so when its request ended it was told the outcome is unknown (reads that recorded answer; the client may learn the outcome later).
Then('client {string} does not know whether its transaction committed', function (this: PhantomWorld, client: string) {
  expect(transactions(this).answerWhenEnded(client), `what client "${client}" was told when its request ended`).to.equal('unknown');
});

// The client keeps asking; within the bound some node tells it the recorded outcome.
Then('within {duration} client {string} learns that its transaction {transaction outcome}', function (this: PhantomWorld, withinMs: number, client: string, outcome: string) {
  const txn = transactions(this).transaction(client);
  transactions(this).awaitSettled(txn, `client ${client} to learn the outcome of ${txn.id}`, withinMs);
  expect(txn.outcome).to.equal(outcome);
});

// Waits (at most 1 s) for the read started by "starts reading"; checks that it waited for the younger transaction's lock and then saw its committed balance.
// Needs first: "When client "c1" starts reading "alice" in its transaction".
Then('client {string} waited for a lock and then read {int} from {string}', function (this: PhantomWorld, client: string, balance: number, account: string) {
  const read = transactions(this).finishRead(client, account);
  expect(read.waited, 'the read waited for a lock').to.equal(true);
  expect(read.balance, read.problem).to.equal(balance);
});

// ---- how the protocol ran ------------------------------------------------------------------------
// Needs first: a transaction that ended, e.g. "When client "c1" transfers 30 from "alice" to "bob"".

// Instant: the transaction touched one shard: no prepare round, and its decision was its only write (one phase).
Then("client {string}'s transaction committed in one phase", function (this: PhantomWorld, client: string) {
  const scenario = transactions(this);
  const txn = scenario.transaction(client);
  expect(txn.outcome, txn.reason).to.equal('committed');
  const kinds = scenario.eventsOf(txn).map((event) => event.kind);
  expect(kinds, 'protocol steps').to.deep.equal(['decision']);
});

// Instant: in the last transaction, the shard of an account it only read voted read-only, released its locks at once, and got no second-phase message.
Then('the shard holding {string} voted read-only and was left out of the second phase', function (this: PhantomWorld, account: string) {
  const scenario = transactions(this);
  const { voters, toldOutcome } = scenario.phasesOf(scenario.last);
  expect(voters, 'shards asked to vote').to.include(scenario.shardOf(account));
  expect(toldOutcome, 'shards told the outcome').to.not.include(scenario.shardOf(account));
});

// Waits until no shard's leader holds a lock or an undecided transaction.
Then('within {duration} no transaction holds locks anywhere', function (this: PhantomWorld, withinMs: number) {
  const system = transactions(this).system;
  this.waitUntil(() => system.allResolved(), withinMs, () => `every transaction to release its locks (now ${system.statusLine()})`);
});

// Recovery at the shards (not the coordinator) finished the transaction with this outcome, and nothing of it is left.
Then('within {duration} recovery has {transaction outcome} the transaction of client {string} wherever it was left', function (this: PhantomWorld, withinMs: number, outcome: string, client: string) {
  const others = transactions(this).awaitRecovery(client, outcome as 'committed' | 'aborted', withinMs);
  expect(others, 'recoveries with another outcome').to.deep.equal([]);
});

// ---- failures during commit ---------------------------------------------------------------------
// Needs first: the accounts, opened by "Given these accounts, each on a different shard:"; these steps come before the transfer they affect.

// The shard's leader votes no on every transaction that changes something there, giving this reason.
Given('the shard holding {string} will refuse every change because {string}', function (this: PhantomWorld, account: string, reason: string) {
  transactions(this).refuseAt(account, reason);
});

// The client's coordinator (a node leading none of the accounts' shards) crashes once every participant has voted yes, before the decision.
Given('the coordinator of client {string} will crash once every participant has voted', function (this: PhantomWorld, client: string) {
  transactions(this).crashCoordinatorAt(client, 'after-votes');
});

// The client's coordinator crashes right after the decision is durable in the transaction record, before telling anyone.
Given('the coordinator of client {string} will crash once it has recorded its decision', function (this: PhantomWorld, client: string) {
  transactions(this).crashCoordinatorAt(client, 'after-decision');
});

// Right after the decision is recorded, the network between the client's coordinator and every replica of the account's shard is cut both ways.
Given('the coordinator of client {string} will be cut off from the shard holding {string} once it has recorded its decision', function (this: PhantomWorld, client: string, account: string) {
  transactions(this).cutCoordinatorAt(client, 'after-decision', account);
});

// During the next commit, the leader of the account's shard crashes once every participant has voted yes; the coordinator carries on.
Given('the leader of the shard holding {string} will crash once every participant has voted', function (this: PhantomWorld, account: string) {
  transactions(this).crashLeaderAt('after-votes', account);
});

// The leader of the account's shard crashes now (power loss); the other replicas elect a new one.
When('the leader of the shard holding {string} crashes', function (this: PhantomWorld, account: string) {
  const scenario = transactions(this);
  const leader = this.cluster.database.leaderOf(scenario.shardOf(account));
  if (leader === undefined) throw new Error(`the shard holding ${account} has no leader to crash`);
  this.node(leader).crash();
});

// The crashed coordinator's node starts again; it remembers nothing of its transactions.
// Needs first: "Given the coordinator of client "c1" will crash once ..." and the transfer it crashed in.
When('the coordinator of client {string} restarts', function (this: PhantomWorld, client: string) {
  transactions(this).restartCoordinator(client);
});

// ---- the bank under chaos --------------------------------------------------------------------------
// Needs first: "Given 10 bank accounts holding 100 each, spread over every shard" (it starts the default store if none runs), then "Given 5 tellers ..." and "When the bank runs for ...".

// Opens the bank's accounts (account-1, account-2, …) taken from every shard in turn, in one transaction; waits (at most 15 s) until they are open.
// Needs first: nothing (starts the default store if none runs).
Given('{int} bank accounts holding {int} each, spread over every shard', function (this: PhantomWorld, accounts: number, balance: number) {
  transactions(this).openBank(accounts, balance);
});

// Tellers that repeatedly transfer between two random accounts or audit all of them (retrying with back-off when a transfer dies).
Given('{int} tellers transferring money between them and auditing the total', function (this: PhantomWorld, tellers: number) {
  transactions(this).setTellers(tellers);
});

// Runs the tellers under a random fault schedule for the duration, then heals everything and lets the tellers finish.
When('the bank runs for {duration} under random {faults}', function (this: PhantomWorld, durationMs: number, faults: FaultKind[]) {
  transactions(this).runBank(durationMs, faults);
});

// Waits (at most 10 s) until no transaction holds locks, then audits every account in one transaction (retried if it meets a lock); the sum must be the given total. A wrong total names the accounts that differ from what the committed transfers imply.
Then('the total balance is still {int}', function (this: PhantomWorld, total: number) {
  const scenario = transactions(this);
  const audit = scenario.finalAudit();
  if (audit.total !== total) throw new Error(scenario.explainTotal(total, audit));
});

// Instant: every audit that committed during the run saw every account and the given total (at least one audit must have committed).
Then('every committed audit saw a total of {int}', function (this: PhantomWorld, total: number) {
  const bank = transactions(this).bank;
  // The audits are judged against the bank's opening total, which must be the total named here.
  expect(bank.total, 'the total the audits are judged against').to.equal(total);
  expect(bank.counts.auditsCommitted, 'committed audits (none would make this step vacuous)').to.be.above(0);
  expect(bank.inconsistentAudits, 'audits that saw another total').to.deep.equal([]);
});

// Instant: the Elle-style checker finds no dependency cycle and no aborted or intermediate read in the whole transaction history so far.
Then('the cycle checker finds no anomaly in the transaction history', function (this: PhantomWorld) {
  transactions(this).assertNoAnomaly();
});

// After healing, every lock is released and every client knows the outcome of every transaction it asked to commit.
Then('within {duration} no transaction holds locks and every outcome is known', function (this: PhantomWorld, withinMs: number) {
  const scenario = transactions(this);
  this.waitUntil(() => scenario.system.allResolved() && scenario.unknownOutcomes() === 0, withinMs, () => `every transaction to be resolved and known (now ${scenario.system.statusLine()}; ${scenario.unknownOutcomes()} unknown)`);
});

// Instant: transfers that committed during the run (a floor, so that a silent stall fails the scenario).
Then('at least {int} transfers committed', function (this: PhantomWorld, least: number) {
  expect(transactions(this).bank.counts.transfersCommitted).to.be.at.least(least);
});

// ---- sagas -----------------------------------------------------------------------------------------
// Needs first: the saga, defined by "Given a trip-booking saga of these steps:" (no cluster or store is needed).

// Defines a saga, one row per step in the order they run; each step sends its command to its service, and its compensation the "undone by" command. Every attempt has 500 ms; retries wait 100 ms, then twice as long each time.
// Needs first: nothing.
// Columns: step (required): a name; service (required): the service called; does (required): the command sent; undone by (optional): the compensating command, empty for a step that is never undone; attempts (optional): a whole number from 1, empty for 1; pivot (optional): "pivot" on the step after which the saga only goes forward, else empty.
// | step          | service  | does    | undone by | attempts | pivot |
// | reserve seat  | flights  | reserve | cancel    | 3        |       |
// | charge card   | payments | charge  |           | 1        | pivot |
// | issue tickets | mail     | send    |           | 5        |       |
Given('a trip-booking saga of these steps:', function (this: PhantomWorld, table: DataTable) {
  sagas(this).define('book-trip', table.hashes() as unknown as Parameters<ReturnType<typeof sagas>['define']>[1]);
});

// The step's action always fails with this reason (a sinon stub).
Given('step {string} fails with {string}', function (this: PhantomWorld, step: string, reason: string) {
  sagas(this).action(step).callsFake((context) => context.fail(reason));
});

// The step's action fails the first N times with this reason, then calls its service as usual (a sinon stub).
Given('step {string} fails {int} times with {string}', function (this: PhantomWorld, step: string, times: number, reason: string) {
  const stub = sagas(this).action(step);
  for (let call = 0; call < times; call++) stub.onCall(call).callsFake((context) => context.fail(reason));
});

// The step's first attempt never completes, so the step's timeout fails it (a sinon stub).
Given('step {string} does not answer the first time', function (this: PhantomWorld, step: string) {
  sagas(this).action(step).onFirstCall().callsFake(() => undefined);
});

// The step's compensation always fails with this reason (a sinon stub).
Given('the compensation of step {string} keeps failing with {string}', function (this: PhantomWorld, step: string, reason: string) {
  sagas(this).compensation(step).callsFake((context) => context.fail(reason));
});

// The step's first action sends its command; the orchestrator's node crashes before the answer arrives.
Given('the orchestrator will crash just after step {string} sends its command', function (this: PhantomWorld, step: string) {
  sagas(this).crashOrchestratorAfterSending(step);
});

// The network delivers every command from the orchestrator to the service twice.
Given('every command to the {string} service is delivered twice', function (this: PhantomWorld, service: string) {
  sagas(this).duplicateCommandsTo(service);
});

// Starts the saga and waits (at most 20 s) until it finishes (or its orchestrator is down).
When('a trip is booked', function (this: PhantomWorld) {
  sagas(this).start();
});

// The orchestrator's node starts again from its disk; waits (at most 20 s) until the saga finishes.
// Needs first: "Given the orchestrator will crash just after step ... sends its command" and "When a trip is booked".
When('the orchestrator restarts', function (this: PhantomWorld) {
  sagas(this).restartOrchestrator();
});

// Instant: the saga ended with every step done ("When a trip is booked" already waited for the end).
Then('the saga completed', function (this: PhantomWorld) {
  const status = sagas(this).status();
  expect(status.state, status.summary).to.equal('completed');
});

// Instant: the saga ended by undoing its completed steps, because the step failed with the reason.
Then('the saga was compensated because step {string} failed with {string}', function (this: PhantomWorld, step: string, reason: string) {
  const status = sagas(this).status();
  expect(status.state, status.summary).to.equal('compensated');
  expect(status.problems, status.summary).to.have.lengthOf(1);
  expect(status.problems[0], status.summary).to.include({ step, phase: 'action', reason });
  this.attachText('saga', status.summary);
});

// Instant: the saga stopped needing a person: its report names the step whose compensation kept failing, and why.
Then('the saga needs attention because the compensation of step {string} failed with {string}', function (this: PhantomWorld, step: string, reason: string) {
  const status = sagas(this).status();
  expect(status.state, status.summary).to.equal('needs-attention');
  expect(status.problems.find((problem) => problem.phase === 'compensation'), status.summary).to.include({ step, reason });
  expect(status.summary).to.contain(`the compensation of step "${step}" failed after ${COMPENSATION_ATTEMPTS} attempts: ${reason}`);
  this.attachText('saga', status.summary);
});

// Instant: each step's action was called exactly once, in the order of the saga (sinon.assert.callOrder).
Then('every step ran once, in order', function (this: PhantomWorld) {
  const actions = sagas(this).allActions;
  for (const action of actions) sinon.assert.calledOnce(action);
  sinon.assert.callOrder(...actions);
});

// Instant: no compensation was called.
Then('no compensation ran', function (this: PhantomWorld) {
  for (const compensation of sagas(this).allCompensations) sinon.assert.notCalled(compensation);
});

// Instant: the compensations of the two steps each ran exactly once, in the order given (sinon.assert.callOrder); a failure names the compensations.
Then('the compensations of steps {string} and {string} ran once each, in that order', function (this: PhantomWorld, first: string, second: string) {
  const scenario = sagas(this);
  sinon.assert.calledOnce(scenario.compensation(first));
  sinon.assert.calledOnce(scenario.compensation(second));
  sinon.assert.callOrder(scenario.compensation(first), scenario.compensation(second));
});

// Instant: the step's compensation ran exactly once.
Then('the compensation of step {string} ran once', function (this: PhantomWorld, step: string) {
  sinon.assert.calledOnce(sagas(this).compensation(step));
});

// Instant: the step's action was called this many times, each retry after a back-off twice as long as the one before (the first given).
Then('step {string} was attempted {int} times, the retries {duration} and then {duration} apart', function (this: PhantomWorld, step: string, attempts: number, firstGapMs: number, secondGapMs: number) {
  const times = sagas(this).attemptTimes(step);
  expect(times.length).to.equal(attempts);
  expect(times.slice(1).map((time, index) => Math.round(time - times[index]))).to.deep.equal([firstGapMs, secondGapMs]);
});

// Instant: the step's action was called this many times.
Then('step {string} was attempted {int} time(s)', function (this: PhantomWorld, step: string, attempts: number) {
  sinon.assert.callCount(sagas(this).action(step), attempts);
});

// Instant: the service got the command this many times (duplicates and retries included) but applied it only once (its idempotency key).
Then('the {string} service received {string} {int} time(s) and applied it once', function (this: PhantomWorld, service: string, command: string, received: number) {
  const scenario = sagas(this);
  const applied = scenario.system.applications(service).filter((application) => application.command === command);
  expect(applied.length, `times ${service} applied ${command}`).to.equal(1);
  expect(scenario.system.received(service), `commands ${service} received`).to.equal(received);
});

// Instant: each service of the table applied exactly these commands, in this order.
// Columns: service (required): a service of the saga; applied (required): its commands in order, separated by ", " or " and ", empty for none.
// | service  | applied         |
// | flights  | reserve, cancel |
// | payments |                 |
Then('the services applied:', function (this: PhantomWorld, table: DataTable) {
  const scenario = sagas(this);
  for (const row of table.hashes()) {
    const commands = scenario.system.applications(row.service).map((application) => application.command);
    expect(commands, `commands ${row.service} applied`).to.deep.equal(row.applied === '' ? [] : row.applied.split(/, | and /));
  }
});
