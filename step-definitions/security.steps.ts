import { type DataTable, Given, Then, When } from '@cucumber/cucumber';
import { expect } from 'chai';
import type { PhantomWorld } from '../support/world';
import { consensus } from '../support/consensus-scenario';
import { access, ANONYMOUS, security } from '../support/security-scenario';
import { policyFromTable } from '../support/scaling-policy-table';

// Glossary section: Security
// Capability: security
// Needs first: for impersonation, a replicated group with a leader ("Given a replicated group of 3 nodes" and "Then within 2 seconds the group elects a leader"); for forged answers to clients, that group or the store; for a node that overhears requests and answers them, the callers it disturbs (a store with a table and queries, the store and transfers, regions of many nodes, a saga); for forged placement heartbeats, the store with one node more than the placement group's three ("Given a running cluster of 4 nodes storing data in 4 shards with 3 replicas each"); for users and roles, the store ("Given a running cluster of 5 nodes storing data in 3 shards with 3 replicas each") or georeplicated regions ("Given regions with these one-way latencies:").
// Who may send what, and who may read or write which keys: authentication, roles, refusals and their audit log.

// ---- nodes cannot be impersonated ------------------------------------------------------

// Needs a replicated group with a leader ("a replicated group of 3 nodes" and "the group has a leader").
// A process that was never admitted to the cluster, but knows the protocol, spends 1 simulated second trying to take
// the group over: it asks every replica to vote for it in a far higher term, sends writes of the value as a
// self-made leader (and as the real leader, by forging the sender), tells followers to start elections,
// asks the leader to lock the key for a transaction and record it committed, and sends the leader
// booby-trapped messages (a field that is code, a getter, run if the node reads it: a vote request's type, a
// query scan lock's command, a client request's operation key).
// Example: When a process that was never admitted tries to take over the group and write "stolen" to "balance"
When('a process that was never admitted tries to take over the group and write {string} to {string}', function (this: PhantomWorld, value: string, key: string) {
  security(this).rogueAttack(key, value);
});

// Needs the store ("a running cluster of ... storing data in ... shards ..."); the step makes its servers answer queries.
// A process that was never admitted spends 1 simulated second sending every shard's leader query requests (a type
// any process may send) with code hidden where a check of plain data must look: a list of slot ranges with a function
// of its own named map, a query plan whose list of tables has its own entries function, and a plan whose tables are a
// hidden (non-enumerable) getter. The shard's query service would run that code as it reads the request; none of
// these requests is well formed once on the wire, so every one is dropped. Check with "Then every message of the
// intruder was dropped and counted" and "Then the code hidden in the intruder's messages never ran".
// Example: When a process that was never admitted sends every shard's leader query requests with code hidden in their lists and fields
When("a process that was never admitted sends every shard's leader query requests with code hidden in their lists and fields", function (this: PhantomWorld) {
  security(this).rogueQueryTraps();
});

// Compares every replica with what it was just before the takeover attempt: the same term, and a state
// machine with the same contents (keys, sessions, transactions). Needs "a process that was never admitted ..." first.
// Example: Then no replica's term or data changed
// Instant: compares the replicas now with the record taken before the attempt.
Then("no replica's term or data changed", function (this: PhantomWorld) {
  security(this).assertNothingChanged();
});

// Every message the intruder sent was dropped by the node that received it, before any protocol saw it, and
// counted there (the counts are attached to the report). Needs "a process that was never admitted tries to take
// over ..." or "a process that was never admitted sends every shard's leader query requests ..." first.
// Example: Then every message of the intruder was dropped and counted
// Instant: reads the drop counters.
Then('every message of the intruder was dropped and counted', function (this: PhantomWorld) {
  security(this).assertRogueDropped();
});

// Neither the simulated network nor any node read a booby-trapped field of the intruder's messages: the
// intruder's code never ran, not even to trace a message's type, route it, or learn whether a stranger may
// send it. Needs "When a process that was never admitted tries to take over the group and write ... to ..."
// or "When a process that was never admitted sends every shard's leader query requests with code hidden ..."
// first (those intruders send the booby-trapped messages), or "... answers the clients in the servers' place ..."
// (which sends each client a booby-trapped answer every 2 ms; then no client read one).
// Example: Then the code hidden in the intruder's messages never ran
// Instant: reads how often the intruder's trapped fields were read.
Then("the code hidden in the intruder's messages never ran", function (this: PhantomWorld) {
  security(this).assertRogueCodeNeverRan();
});

// Needs a store: a replicated group with a leader ("a replicated group of 3 nodes" and "the group has a
// leader") or a sharded cluster ("a running cluster of 5 nodes storing data in 3 shards with 3 replicas each").
// A process that was never admitted answers the clients in the servers' place: from now until the duration has
// passed (so while the steps after this one run), every 20 ms it sends every key-value client answers to its
// first requests (request ids 1-12, sequences 1-4 of the client's session on each shard), each saying that the
// read found the value, every transaction client answers to the first requests of its first four
// transactions, saying that each read found the value and that the transaction committed, and every query client
// answers to its first 24 fragment requests, each a single row holding the value. Every 2 ms each client also gets an answer
// whose type is code (a getter), which runs if the client reads anything of it. A client accepts an answer only
// from the node it sent that request to, and reads nothing of a message from a node it never asked, so reads still
// see the store's own values, a transaction ends as the servers decided and a query returns the store's rows. The
// step itself takes no simulated time: put the client steps it should disturb after it ("a client writes ...",
// "a client reads ...", "client ... transfers ...", "this query is run:"), within the duration.
// Values: any text for the forged value; any duration (5 seconds covers a few client steps).
// Example: When a process that was never admitted answers the clients in the servers' place with "stolen" for 5 seconds
When("a process that was never admitted answers the clients in the servers' place with {string} for {duration}", function (this: PhantomWorld, value: string, durationMs: number) {
  security(this).forgeClientAnswers(value, durationMs);
});

// Needs callers that send requests to servers in the steps after it: query clients ("this query is run:" on a
// store with a table), transaction coordinators ("client ... transfers ..."), a region's clients (regions of many
// nodes: "Given each region is a cluster of 3 nodes with 2 shards") or a saga orchestrator ("a trip is booked").
// From now until the duration has passed, a node that overhears the network answers every request to a server at
// once, in that server's place, with a refusal: a query fragment failed, a lock or commit call of a coordinator
// refused (wait-die), a region's request failed, a saga step failed. It answers from another node the caller hears
// from: one the caller itself sent requests to before (another shard's server, another service), or for a region's
// client another server of its region, so its answers pass every node's boundary. A caller takes an answer only
// from the node its request went to, so queries, transactions, region requests and sagas end as the servers
// decided. The step takes no simulated time: put the steps it should disturb after it, within the duration.
// Values: any duration (5 seconds covers a few requests).
// Example: When another node overhears every request to a server and answers it in that server's place for 5 seconds
When("another node overhears every request to a server and answers it in that server's place for {duration}", function (this: PhantomWorld, durationMs: number) {
  security(this).answerOverheardRequests(durationMs);
});

// Forged answers from "a process that was never admitted answers the clients in the servers' place ...", from
// "another node overhears every request to a server and answers it ..." or from "a member outside the placement
// group answers every node's placement heartbeats ..." reached the callers while they waited for answers
// (key-value, transaction and query clients, coordinators, a region's clients, a saga orchestrator, the nodes'
// placement heartbeats), and the callers ignored them (counted as answers from a node they had not asked; the
// counts are attached). Fails when no forged answer reached a caller while it waited, since the scenario then
// tested nothing. Needs one of those steps first, then, within its duration, a When-step that uses a caller ("When a
// client writes ...", "When this query is run:", "When a trip is booked", "When 3 seconds pass" for heartbeats):
// Then-steps may come in any order, so this step does not count on a Then-step's client to have been disturbed first.
// Example: Then forged answers reached the clients, which ignored them
// Instant: reads the clients' counts.
Then('forged answers reached the clients, which ignored them', function (this: PhantomWorld) {
  security(this).assertForgedAnswersIgnored();
});

// Needs a replicated group with a leader. A member of the group (admitted, so its own messages pass) sends the
// other replicas heartbeats in the leader's name every 100 ms for the duration: in a far higher term and with a
// commit index past the log, both bundled the way nodes bundle many groups' heartbeats and one at a time.
// Accepts "the follower" (chosen earlier), "a follower" or a node name that is not the leader.
// Example: When a follower forges the leader's heartbeats in a higher term for 3 seconds
When("{group role} forges the leader's heartbeats in a higher term for {duration}", function (this: PhantomWorld, role: string, durationMs: number) {
  const node = consensus(this).resolve(role as never);
  security(this).forgeLeaderHeartbeats(node, durationMs);
});

// Needs the store ("a running cluster of 4 nodes storing data in 4 shards with 3 replicas each": one node more than the
// placement group's three). A member that hosts no replica of the placement group answers every server node's store
// heartbeats (each node tells the placement group's leader once a second what it holds) in the placement nodes' place:
// from now until the duration has passed (so while the steps after this one run), every 50 ms it sends every node
// answers to its heartbeats 1-32, each saying "not me: <the placement group's leader as it is now> leads". A node takes
// an answer only from the placement node its heartbeat went to, so when that leader goes silent its heartbeats move on
// to the new one. The step itself takes no simulated time: put the steps it should disturb after it, within the duration.
// Values: any duration (10 seconds covers a crash of the placement leader and the checks after it).
// Example: When a member outside the placement group answers every node's placement heartbeats for 10 seconds, naming the placement group's current leader
When("a member outside the placement group answers every node's placement heartbeats for {duration}, naming the placement group's current leader", function (this: PhantomWorld, durationMs: number) {
  security(this).forgePlacementAnswers(durationMs);
});

// Needs the store ("a running cluster of ... storing data in ... shards ..."). Another member (one outside the placement
// group when there is one) sends the placement group's nodes store heartbeats in the node's name, every 100 ms from now
// until the duration has passed (so while the steps after this one run): each says the node holds no replica, with a
// heartbeat number far past any the node sent. A heartbeat must come from the node it names, so each is dropped where it
// arrives and counted. The step itself takes no simulated time.
// Values: a node name; any duration.
// Example: When a member sends the placement group heartbeats in node-1's name, saying it holds nothing, for 5 seconds
When("a member sends the placement group heartbeats in {node}'s name, saying it holds nothing, for {duration}", function (this: PhantomWorld, node: string, durationMs: number) {
  security(this).forgePlacementHeartbeats(this.node(node).id, durationMs);
});

// Needs first: "... forges the leader's heartbeats in a higher term for ..." or "When a member sends the placement group heartbeats in ...'s name, saying it holds nothing, for ...".
// Every heartbeat the member forged was dropped where it arrived, before any replica saw it, and counted. The step
// follows each forged message on the wire: it waits until the member has stopped forging and every forged message it
// sent was delivered or lost, then compares the messages sent with those dropped at the nodes' boundaries (the drop
// counts go into the report). It may come at any time after the forging step, during the forging or after it.
// Example: Then every forged heartbeat was dropped and counted
// Waits at most the rest of the forging period (none after "... forges the leader's heartbeats ...", which forges
// while it runs) plus 1 s for the last forged message to arrive; fails naming the forger and how many of its forged
// messages were still on their way.
Then('every forged heartbeat was dropped and counted', function (this: PhantomWorld) {
  security(this).assertForgeriesDropped();
});

// Needs a replicated group with a leader. The replica leaves the cluster (it says goodbye to the membership),
// but its process keeps running and its replica calls an election every 100 ms for the duration.
// Accepts "the follower" (chosen earlier), "a follower" or a node name.
// Example: When a follower leaves the cluster but keeps calling elections for 3 seconds
When('{group role} leaves the cluster but keeps calling elections for {duration}', function (this: PhantomWorld, role: string, durationMs: number) {
  const node = consensus(this).resolve(role as never);
  security(this).leaveAndKeepCampaigning(node, durationMs);
});

// Needs a replicated group with a leader; typically the replica was removed from the group while cut off, so
// it never learned of its removal. Its replica calls an election every 100 ms for the duration.
// Example: When the follower keeps calling elections for 3 seconds
When('{group role} keeps calling elections for {duration}', function (this: PhantomWorld, role: string, durationMs: number) {
  security(this).keepCampaigning(consensus(this).resolve(role as never), durationMs);
});

// The replicas other than the named one are in the same term as before it started calling elections.
// Example: Then no replica other than the follower raised its term
// Instant: compares the terms now with those before the departed node's attempts.
Then("no replica other than {group role} raised its term", function (this: PhantomWorld, role: string) {
  security(this).assertTermsUnchanged([consensus(this).resolve(role as never)]);
});

// The other nodes dropped the departed node's messages at their boundary and counted them (at least one per
// election it called). Needs "... leaves the cluster but keeps calling elections ..." first.
// Example: Then the departed node's messages were dropped and counted
// Instant: reads the drop counters.
Then("the departed node's messages were dropped and counted", function (this: PhantomWorld) {
  const dropped = security(this).assertDepartedDropped();
  expect(dropped, `messages from ${security(this).departedNode} dropped at other nodes' boundaries`).to.be.greaterThan(0);
});

// ---- users, roles and refusals ---------------------------------------------------------

// Needs the store ("a running cluster of … storing data in … shards …"). Defines a role, or adds a grant to it,
// through the replicated role table (every shard applies the change before the step ends, within 5 s).
// Permissions: read-only, read-write, admin (admin also allows cluster operations when it covers every key).
// Example: Given role "teller" grants read-write on keys starting with "accounts/"
// Values: {word} is read-only, read-write or admin.
Given('role {string} grants {word} on keys starting with {string}', function (this: PhantomWorld, role: string, permission: string, prefix: string) {
  access(this).defineGrant(role, permission, { kind: 'prefix', prefix });
});

// Like the step above, for a table: the keys under "table/<name>/" (see the README's security section).
// Example: Given role "analyst" grants read-only on table "orders"
// Values: {word} is read-only, read-write or admin.
Given('role {string} grants {word} on table {string}', function (this: PhantomWorld, role: string, permission: string, table: string) {
  access(this).defineGrant(role, permission, { kind: 'table', table });
});

// Like the step above, for every key of the store. "admin" on every key is the cluster admin role.
// Example: Given role "root" grants admin on every key
// Values: {word} is read-only, read-write or admin.
Given('role {string} grants {word} on every key', function (this: PhantomWorld, role: string, permission: string) {
  access(this).defineGrant(role, permission, { kind: 'prefix', prefix: '' });
});

// Like the steps above, for a georeplicated keyspace (the keys "<keyspace>/..." of the regions, declared by
// "Given keyspace ... resolves conflicts by ..."). Needs the regions ("Given regions with these one-way latencies:")
// instead of the store: then every role, user and "turns authentication on" step changes the regions' role table,
// which every region holds and applies before the step ends (within 5 s). A grant on every key of the store does not
// cover a georeplicated keyspace; "admin on every key" still makes the admin who may change users and roles.
// Example: Given role "editor" grants read-write on georeplicated keyspace "profiles"
// Values: {word} is read-only, read-write or admin.
Given('role {string} grants {word} on georeplicated keyspace {string}', function (this: PhantomWorld, role: string, permission: string, keyspace: string) {
  access(this).defineGrant(role, permission, { kind: 'georep', keyspace });
});

// Creates a user with a password and gives it a role defined earlier (signed by an admin once authentication is on).
// Example: Given user "alice" with password "pw-alice" holds role "teller"
Given('user {string} with password {string} holds role {string}', function (this: PhantomWorld, user: string, password: string, role: string) {
  access(this).addUser(user, password, role);
});

// Turns authentication on for the whole store, as the given user, who must hold admin on every key.
// From then on every request must name a user whose password and roles allow it.
// Example: Given "root" turns authentication on
Given('{string} turns authentication on', function (this: PhantomWorld, user: string) {
  access(this).enable(user);
});

// Turns authentication off again (etcd's `auth disable`), as the given user, who must hold admin on every key; from
// then on every request is allowed, as before authentication was turned on. Ends when every copy of the role table
// applied it (within 5 s).
// Example: When "root" turns authentication off
When('{string} turns authentication off', function (this: PhantomWorld, user: string) {
  access(this).disable(user);
});

// The user writes a value to a key and waits (at most 15 s) for the answer, success or refusal.
// Example: When user "alice" writes "10" to "accounts/alice"
When('user {string} writes {string} to {string}', function (this: PhantomWorld, user: string, value: string, key: string) {
  access(this).write(user, key, value);
});

// Like "user … writes …", but the request proves the given password instead of the user's own.
// Example: When user "alice" writes "0" to "accounts/alice" with password "guessed"
When('user {string} writes {string} to {string} with password {string}', function (this: PhantomWorld, user: string, value: string, key: string, password: string) {
  access(this).writeWithPassword(user, password, key, value);
});

// The user reads a key and waits (at most 15 s) for the answer, success or refusal.
// Example: When user "bob" reads "accounts/alice"
When('user {string} reads {string}', function (this: PhantomWorld, user: string, key: string) {
  access(this).read(user, key);
});

// The user reads the key and gets the value ("nothing" for a key never written).
// Example: Then user "root" reads "10" from "accounts/alice"
// Waits (at most 15 s, retries included) for the read's answer. This read is a check: it does not become the user's last request that "user ... succeeds" and "user ... is refused to ..." read.
Then('user {string} reads {string} from {string}', function (this: PhantomWorld, user: string, expected: string, key: string) {
  const { value, outcome } = access(this).checkRead(user, key);
  expect(outcome.ok, `user ${user}'s read of ${key}: ${outcome.reason ?? ''}`).to.equal(true);
  expect(value ?? 'nothing', `the value of ${key} as user ${user} reads it`).to.equal(expected);
});

// Needs the store and authentication enabled (see "Given user ... with role ..." steps above).
// Asks for the same membership change as an operator who gives no user name at all, straight through the
// database's membership API: the shard's leader judges it against the role table like any other request.
// Example: When an operator without credentials tries to remove a replica of the shard holding "accounts/alice"
When('an operator without credentials tries to remove a replica of the shard holding {string}', function (this: PhantomWorld, key: string) {
  access(this).removeReplica(undefined, key);
});

// The last request made without credentials was refused, and the refusal names the operation and what was missing.
// Example: Then the operator without credentials is refused to perform, lacking 'credentials (the request named no user)'
// Values: {word} is read, write or perform.
// Instant: reads the outcome of the last request without credentials, which its step waited for.
Then('the operator without credentials is refused to {word}, lacking {string}', function (this: PhantomWorld, operation: string, missing: string) {
  access(this).assertRefused(ANONYMOUS, operation, missing);
});

// The user's last request succeeded.
// Example: Then user "alice" succeeds
// Instant: reads the outcome of the user's last request, which its step waited for.
Then('user {string} succeeds', function (this: PhantomWorld, user: string) {
  const outcome = access(this).lastOutcome(user);
  expect(outcome.ok, `user ${user}'s last request: ${outcome.reason ?? ''}`).to.equal(true);
});

// The user's last request was refused, and the refusal names the user, the operation and the missing permission
// (for example 'read-write on key "x"', 'read-only on key "x"', 'admin on every key', 'read-only on table "t"';
// a wrong password: 'a valid user name and password').
// Example: Then user "bob" is refused to write, lacking 'read-write on key "accounts/alice"'
// Values: {word} is read, write or perform.
// Instant: reads the outcome of the user's last request, which its step waited for.
Then('user {string} is refused to {word}, lacking {string}', function (this: PhantomWorld, user: string, operation: string, missing: string) {
  access(this).assertRefused(user, operation, missing);
});

// The user runs one transaction writing both keys and waits (at most 15 s) for it to commit or abort.
// Example: When user "bob" writes "0" to "accounts/alice" and "200" to "accounts/bob" in one transaction
When('user {string} writes {string} to {string} and {string} to {string} in one transaction', function (this: PhantomWorld, user: string, first: string, firstKey: string, second: string, secondKey: string) {
  access(this).transaction(user, [[firstKey, first], [secondKey, second]]);
});

// The user's last transaction aborted, and its reason names the user and the missing permission.
// Example: Then the transaction of user "bob" aborted, lacking 'read-write on key "accounts/alice"'
// Instant: reads the outcome of the user's last transaction, which its step waited for.
Then('the transaction of user {string} aborted, lacking {string}', function (this: PhantomWorld, user: string, missing: string) {
  const { outcome, reason } = access(this).transactionOutcome;
  expect(outcome, `the transaction of ${user}: ${reason ?? ''}`).to.equal('aborted');
  expect(reason ?? '').to.include(`user "${user}"`).and.to.include(`missing ${missing}`);
});

// As the user, asks to remove a replica from the group of the shard that holds the key (an admin operation).
// Example: When user "alice" tries to remove a replica of the shard holding "accounts/alice"
When('user {string} tries to remove a replica of the shard holding {string}', function (this: PhantomWorld, user: string, key: string) {
  access(this).removeReplica(user, key);
});

// As the user, asks to create another user (an admin operation); waits until every shard judged it.
// Example: When user "alice" tries to create user "mallory"
When('user {string} tries to create user {string}', function (this: PhantomWorld, user: string, created: string) {
  access(this).createUser(user, created);
});

// Every refusal the scenario's steps saw is in the audit log with the same words (the log is attached to the report).
// Example: Then every refusal is in the audit log
// Instant: reads the audit log.
Then('every refusal is in the audit log', function (this: PhantomWorld) {
  access(this).assertAudited();
});

// The user starts writing keys "<prefix>-1", "<prefix>-2", ... one after another, until a Then-step about them.
// With georeplicated regions the prefix is "<keyspace>/<key>" and each write goes to the next region in turn.
// Example: When user "alice" keeps writing keys starting with "accounts/log"
When('user {string} keeps writing keys starting with {string}', function (this: PhantomWorld, user: string, prefix: string) {
  access(this).startWriting(user, prefix);
});

// As the first user, revokes a role from the second; ends when every shard applied it (within 5 s).
// Example: When "root" revokes role "teller" from "alice"
When('{string} revokes role {string} from {string}', function (this: PhantomWorld, by: string, role: string, user: string) {
  access(this).revoke(by, role, user);
});

// Stops the user's continuous writes: some succeeded before the revocation was done, and every write that
// started after it was refused.
// Example: Then every write of user "alice" that started after the revocation was refused
// Instant: stops the writer and reads the outcomes of its writes.
Then('every write of user {string} that started after the revocation was refused', function (this: PhantomWorld, user: string) {
  access(this).assertRevocationHeld(user);
});

// ---- georeplicated keyspaces -----------------------------------------------------------

// Needs the regions and a role table with authentication on (see the role steps above). A client in the region writes
// the value as the user (a last-writer-wins keyspace) and waits (at most 15 s) for the region's answer, success or refusal.
// Example: When user "alice" writes "profiles/ann" = "v1" in us-east
When('user {string} writes {string} = {string} in {region}', function (this: PhantomWorld, user: string, key: string, value: string, region: string) {
  access(this).geoRequest(user, region, key, { kind: 'put', value });
});

// Like "user … writes … in …", but the request proves the given password instead of the user's own.
// Example: When user "alice" writes "profiles/ann" = "x" in us-east with password "guessed"
When('user {string} writes {string} = {string} in {region} with password {string}', function (this: PhantomWorld, user: string, key: string, value: string, region: string, password: string) {
  access(this).geoRequest(user, region, key, { kind: 'put', value }, password);
});

// Needs the regions and a role table. A client in the region reads the key as the user and waits (at most 15 s) for
// the answer, success or refusal.
// Example: When user "carol" reads "profiles/ann" in eu-west
When('user {string} reads {string} in {region}', function (this: PhantomWorld, user: string, key: string, region: string) {
  access(this).geoRequest(user, region, key, undefined);
});

// Nothing changed the key: every region reads it as the value (a last-writer-wins keyspace; "(absent)" for a key
// never written) at every 10 ms of virtual time for the whole duration, so a write that was refused in one region
// has had time to replicate, had it been applied.
// Example: Then every region keeps reading "profiles/ann" as "v1" for 1 second
// Waits the duration, then passes; fails at the first region that reads anything else.
Then('every region keeps reading {string} as {string} for {duration}', function (this: PhantomWorld, key: string, value: string, durationMs: number) {
  access(this).assertRegionsKeepReading(key, value, durationMs);
});

// ---- admin operations of the placement service -----------------------------------------

// Needs the store and a role table (see the role steps above). As the user, asks the placement service to split the
// shard that holds the key: the upper half of its slots moves to a new shard on the same nodes. An admin's request goes
// to the rebalancer at once; anyone else's is refused before anything moves.
// Example: When user "alice" tries to split the shard holding "accounts/alice"
When('user {string} tries to split the shard holding {string}', function (this: PhantomWorld, user: string, key: string) {
  access(this).requestSplit(user, key);
});

// Like the step above, for moving one follower's replica of the shard holding the key to a running node that holds
// none (the cluster needs more nodes than a shard has replicas).
// Example: When user "alice" tries to move a replica of the shard holding "accounts/alice" to a node without one
When('user {string} tries to move a replica of the shard holding {string} to a node without one', function (this: PhantomWorld, user: string, key: string) {
  access(this).requestReplicaMove(user, key);
});

// Like the steps above, for starting a rebalance: the planner's moves that bring every node's replica count within
// 10% of the mean.
// Example: When user "alice" tries to start a rebalance
When('user {string} tries to start a rebalance', function (this: PhantomWorld, user: string) {
  access(this).startRebalance(user);
});

// The shard map keeps the version it had when the last placement request was made, for the whole duration, and that
// request submitted no move. Needs one of the "tries to split / move / start a rebalance" steps first.
// Example: Then the shard map stays as it was for 2 seconds
// Waits the duration, checking every 50 ms; fails at the first change.
Then('the shard map stays as it was for {duration}', function (this: PhantomWorld, durationMs: number) {
  access(this).assertMapUnchanged(durationMs);
});

// Every move the last placement request submitted finished (not rolled back) and the shard map changed.
// Needs one of the "tries to split / move / start a rebalance" steps first, made by an admin.
// Example: Then within 30 seconds the requested moves are done
// Waits at most the given duration for the moves to finish.
Then('within {duration} the requested moves are done', function (this: PhantomWorld, withinMs: number) {
  access(this).assertRequestedMovesDone(withinMs);
});

// Needs the store and a role table. As the user, replaces the cluster's scaling policy; the table is the same as
// "a scaling policy:" (field | value rows). An admin's policy is committed through the placement group's replicated
// log (within 5 s) and the autoscaler follows it from its next evaluation; anyone else's is refused and nothing changes.
// Columns: field | value rows without a header, as for "a scaling policy:".
// | min nodes           | 4    |
// | max nodes           | 6    |
// | replication factor  | 3    |
// | cpu target          | 50%  |
// | evaluation interval | 5 s  |
// Example: When user "alice" tries to change the scaling policy to:
When('user {string} tries to change the scaling policy to:', function (this: PhantomWorld, user: string, table: DataTable) {
  access(this).changeScalingPolicy(user, policyFromTable(table.rowsHash()));
});
