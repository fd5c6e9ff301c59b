import { Then, When } from '@cucumber/cucumber';
import { expect } from 'chai';
import { queries } from '../support/query-scenario';
import { access } from '../support/security-scenario';
import type { PhantomWorld } from '../support/world';

// Glossary section: Queries and access control
// Capability: security
// Needs first: a running store with tables ("Given a distributed table ..."), users and roles ("Given role ... grants ... on table ...", "Given user ... with password ... holds role ..."), and usually "Given "root" turns authentication on".
// Queries run as a user: every table a query reads needs read access on that table for the user, or the query is refused before it runs, and the refusal is audited.

// Runs the SQL (a doc string) as the user, with the user's password, and waits at most 5 s for it to end. A result is compared with PostgreSQL's on the same rows; a refusal is kept for "user ... is refused to read, lacking ...".
// Example: When user "dan" runs this query:
When('user {string} runs this query:', async function (this: PhantomWorld, user: string, text: string) {
  const security = access(this);
  const run = await queries(this).runQuietly(text, { principal: security.principalOf(user) });
  security.noteOutcome(user, run.ok, run.error?.message);
});

// No shard holds a lock or any state for a query attempt (refused queries take none; finished ones release theirs).
// Waits for the releases to be applied, at most 2 s.
// Example: Then within 2 seconds no shard holds anything for a query
Then('within {duration} no shard holds anything for a query', function (this: PhantomWorld, withinMs: number) {
  const scenario = queries(this);
  try {
    this.waitUntil(() => scenario.queryLocksHeld().length === 0, withinMs, 'every query lock to be released');
  } catch {
    expect(scenario.queryLocksHeld(), 'query state still held at the shards').to.deep.equal([]);
  }
});
