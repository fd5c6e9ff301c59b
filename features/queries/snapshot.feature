Feature: A query sees every transaction whole
  A query reads all its shards under shared locks that no writer can pass, so it sees a
  cross-shard transfer entirely or not at all, and never a value that is not committed.
  While transfers move money between accounts on different shards, the total never changes.
  The transfers run for 8 seconds so that the query completes at least 10 times whatever
  the seed's schedule (in 5 seconds one schedule gave only 9 runs, most retried under locks).

  Scenario: The total of all balances is the same in every query while transfers run
    Given a running cluster of 3 nodes storing data in 4 shards with 3 replicas each
    And a distributed table "accounts" distributed by "id" with columns:
      | column  | type | key |
      | id      | int  | yes |
      | balance | int  |     |
    And the table "accounts" holds these rows:
      | id | balance |
      | 1  | 100     |
      | 2  | 100     |
      | 3  | 100     |
      | 4  | 100     |
      | 5  | 100     |
      | 6  | 100     |
      | 7  | 100     |
      | 8  | 100     |
    When clients transfer amounts of "balance" between random rows of "accounts" for 8 seconds while this query runs every 20 ms:
      """
      SELECT SUM(balance) AS total, COUNT(*) AS accounts FROM accounts
      """
    Then every run of the query returned:
      | total | accounts |
      | 800   | 8        |
    And at least 50 transfers committed and the query ran at least 10 times
