Feature: The autoscaler grows and shrinks the real cluster
  Load ramps up on the sharded store: the autoscaler adds nodes that join with the join token,
  the rebalancer spreads shards to them and latency falls back; the load drops, and scale-in
  drains nodes through the rebalancer and stops each only when it holds nothing. No data is
  lost and the histories stay linearizable. Each phase of the timeline starts with a When-step
  (the load changes, the cluster has grown and spread, it has shrunk) and the latency rise is a
  phase of its own, so the Then-steps of a phase hold in any order.

  Scenario Outline: Load up, the cluster grows and spreads; load down, it drains and shrinks (seed <seed>)
    Given the simulation seed is <seed>
    And a scaling policy:
      | cpu target         | 50%  |
      | replication factor | 3    |
      | max nodes          | 8    |
      | scale-down window  | 60 s |
    And an elastic cluster of 3 nodes that each serve 50 requests per second, holding 24 shards of 100 keys
    When 2 clients work on the cluster for 30 seconds
    Then the cluster has 3 server nodes within 1 second
    When 12 clients work on the cluster
    Then the p50 latency over the last 15 seconds rises above 45 ms within 1 minute
    When the cluster has grown to at least 6 server nodes within 2 minutes
    And the shards have spread over every server node within 3 minutes
    Then the p50 latency over the last 15 seconds falls below 35 ms within 2 minutes
    And the p99 latency over the last 15 seconds falls below 140 ms within 2 minutes
    When 2 clients work on the cluster
    And the cluster has shrunk to 3 server nodes within 8 minutes
    Then every node removed held nothing when it stopped

    Examples:
      | seed |
      | 1    |
      | 2    |
      | 3    |
      | 4    |
      | 5    |
