@transactions
Feature: A transaction's record outlives every participant that has not applied it
  The shard holding a transaction's record forgets it only once the client knows the
  outcome and every other shard that took part has applied it. A shard that was cut off
  right after the decision is still in doubt: it will ask for the outcome when it can,
  so the record must still be there to answer "committed". A shard learns that the
  client knows an outcome from the client's next transaction there.

  Background:
    Given a running cluster of 9 nodes storing data in 3 shards with 3 replicas each
    And these accounts, each on a different shard:
      | account | balance |
      | alice   | 100     |
      | bob     | 50      |
      | carol   | 0       |

  Scenario: A shard cut off after the decision keeps the record alive until it has caught up
    Given the shard holding "bob" will be cut off from the other shards once client "c1"'s next transaction is decided
    When client "c1" transfers 30 from "alice" to "bob"
    And client "c1" transfers 5 from "alice" to "carol"
    Then client "c1"'s transaction committed
    And after 3 seconds the record of client "c1"'s interrupted transaction is still kept
    When the network heals
    And client "c1" transfers 10 from "bob" to "carol"
    Then within 10 seconds no shard keeps anything of client "c1"'s interrupted transaction
    And the balances are:
      | account | balance |
      | alice   | 65      |
      | bob     | 70      |
      | carol   | 15      |
