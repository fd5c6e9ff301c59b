@transactions @load-testing
Feature: Bank transfers under load
  Tellers move money between two of a hundred accounts spread over three shards, each
  transfer one serializable transaction, one at a time per teller with a think time in
  between. An aborted transfer is not retried here: it counts as an error with its
  reason, so contention shows in the report. The short run belongs to the default
  profile; the stress ramp runs with the load profile.

  Background:
    Given a running cluster of 5 nodes storing data in 3 shards with 3 replicas each
    And 100 bank accounts holding 100 each, spread over every shard
    And each simulated user thinks for 50 ms to 200 ms between operations

  Scenario: Twenty tellers for twenty seconds
    When 20 tellers spend 20 seconds transferring money between the accounts
    Then the p99 transfer latency is under 150 ms
    And at most 25% of transfer operations failed
    And the transfer throughput is at least 50 per second

  @load
  Scenario: Stress ramp on bank transfers until latency or errors pass the threshold
    When tellers transferring money double from 5 every 10 seconds until the p99 transfer latency passes 200 ms or 10% of transfers fail
    Then the load stayed within the threshold up to at least 5 users
    And the ramp passed the threshold at 160 users or fewer
