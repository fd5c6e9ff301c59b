@authoring
Feature: Load testing, written from the glossary alone (second try)

  Scenario: A read-heavy catalogue meets its latency objectives
    Given a running cluster of 5 nodes storing data in 3 shards with 3 replicas each
    And each simulated user thinks for 20 ms to 100 ms between operations
    And the simulated users work on 500 keys
    When 30 users spend 10 seconds doing 90% reads, 10% writes and 0% transactions
    Then the p99 read latency is under 50 ms
    And the p95 write latency is under 100 ms
    And at most 1% of read operations failed
    And the read throughput is at least 100 per second

  # The failed transfers are wait-die aborts: 10 tellers on 40 accounts collide often. Their
  # share is a property of the contention, spread over seeds: 15.3% to 20.3% (mean 17.9%) for
  # seeds 1-16 before heartbeats were aligned, 15.4% to 21.1% (mean 18.3%) after. A bound of
  # 20% failed 2 of those 16 seeds before the change and 4 after, so it judged the seed, not the
  # system; 25% stays clear of the spread and still fails if the share grows by about a third.
  Scenario: Tellers under load keep the books balanced
    Given 40 bank accounts holding 100 each, spread over every shard
    When 10 tellers spend 10 seconds transferring money between the accounts
    Then at most 25% of transfer operations failed
    And the transfer throughput is at least 20 per second
    And the total balance is still 4000

  @load
  Scenario: A stress ramp finds where write latency breaks down
    Given a running cluster of 5 nodes storing data in 3 shards with 3 replicas each
    When users doing 50% reads and 50% writes double from 160 every 2 seconds until the p99 write latency passes 30 ms or 1% of operations fail
    Then the load stayed within the threshold up to at least 640 users
    And the ramp passed the threshold at 1280 users or fewer
