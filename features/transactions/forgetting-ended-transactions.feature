@transactions @chaos
Feature: Shards forget ended transactions once nobody can need them
  Each shard keeps a record of every transaction it decided and a tombstone of every
  transaction that ended on it, so that recovery, late participants and retried or
  duplicated messages get the right answer. Once a transaction's client has learnt its
  outcome and every participant has applied it, nobody can ask any more: the shard
  forgets it, through its replicated log. What each shard keeps then comes back down to
  about one transaction per client (the last one each client ran there, which its client
  has not yet acknowledged), however many transactions ran.

  Forgetting never changes an answer: the bank's money is still all there, every audit
  saw the right total, and the history has no anomaly.

  Scenario Outline: Bank transfers under random faults, then the shards forget what ended (seed <seed>)
    Given the simulation seed is <seed>
    And a running cluster of 5 nodes storing data in 3 shards with 3 replicas each
    And 10 bank accounts holding 100 each, spread over every shard
    And 5 tellers transferring money between them and auditing the total
    When the bank runs for 20 seconds under random partitions, crashes, pauses, message loss, duplicated messages and clock skew
    Then within 10 seconds no transaction holds locks and every outcome is known
    And within 5 seconds each shard keeps at most 2 ended transactions per client
    And the total balance is still 1000
    And every committed audit saw a total of 1000
    And the cycle checker finds no anomaly in the transaction history
    And the consensus safety checker saw no violation
    And at least 10 transfers committed

    Examples:
      | seed |
      | 1    |
      | 2    |
      | 3    |
