@kv @load-testing
Feature: The sharded store under load
  Simulated users, each one operation at a time with a think time in between, read,
  write and run small transactions on the sharded store. The report shows, per
  operation type, the throughput and the latency percentiles in simulated milliseconds
  and the errors by reason, with a latency histogram and latency and throughput over
  virtual time. The short run belongs to the default profile; the long run and the
  stress ramp run with the load profile (npx cucumber-js --profile load).

  The simulation models network latency and disk syncs but no processor or bandwidth
  limits, so latency stays nearly flat as users are added: the knee of the stress ramp
  comes from the protocols' own limits (each shard keeps at most 1024 client sessions).

  Background:
    Given a running cluster of 5 nodes storing data in 3 shards with 3 replicas each
    And each simulated user thinks for 50 ms to 200 ms between operations
    And the simulated users work on 200 keys

  Scenario: Fifty users for twenty seconds
    When 50 users spend 20 seconds doing 80% reads, 15% writes and 5% transactions
    Then the p99 read latency is under 30 ms
    And the p99 write latency is under 30 ms
    And the p99 transaction latency is under 100 ms
    And at most 1% of write operations failed
    And at most 5% of transaction operations failed
    And the read throughput is at least 200 per second

  @load
  Scenario: Two hundred users, 80% reads, for five simulated minutes
    When 200 users spend 5 minutes doing 80% reads, 15% writes and 5% transactions
    Then the p99 write latency is under 50 ms
    And the p99 read latency is under 50 ms
    And the max write latency is under 200 ms
    And at most 1% of read operations failed
    And at most 1% of write operations failed
    And the write throughput is at least 150 per second

  @load
  Scenario: Stress ramp on the store until latency or errors pass the threshold
    When users doing 80% reads and 20% writes double from 100 every 5 seconds until the p99 write latency passes 50 ms or 1% of operations fail
    Then the load stayed within the threshold up to at least 800 users
    And the ramp passed the threshold at 1600 users or fewer
