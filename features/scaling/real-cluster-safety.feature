Feature: Scale-in on the real cluster keeps every shard's quorum and the replication factor
  Scale-in drains nodes through the rebalancer. It never drains below the replication factor,
  and never drains at once a set of nodes that holds a majority of some shard's copies: even if
  every node being drained were lost, each shard keeps its quorum. The real cluster under an
  oscillating load does not flap.

  Scenario: An operator cannot shrink the cluster below the replication factor
    Given a scaling policy:
      | replication factor | 5  |
      | cpu target         | 50% |
    And an elastic cluster of 6 nodes that each serve 50 requests per second, holding 6 shards of 30 keys
    When 1 client works on the cluster
    And an operator asks the cluster to shrink by 3 nodes
    Then the cluster has 5 server nodes within 2 minutes
    And the cluster keeps 5 server nodes for 1 minute
    And every node removed held nothing when it stopped

  Scenario: With a node down, a shrink drains what it may and the down node's replicas are made again elsewhere
    Given a scaling policy:
      | replication factor | 5   |
      | cpu target         | 50% |
    And an elastic cluster of 7 nodes that each serve 50 requests per second, holding 6 shards of 30 keys
    When 1 client works on the cluster
    And node-7 crashes
    And an operator asks the cluster to shrink by 2 nodes
    Then the cluster has 6 server nodes within 2 minutes
    And the cluster keeps 6 server nodes for 1 minute
    And every shard has its replication factor on running nodes within 1 minute
    And every node removed held nothing when it stopped
    When node-7 restarts
    Then the shards are spread over every server node within 2 minutes

  Scenario Outline: Losing every node being drained costs no shard its quorum (seed <seed>)
    Given the simulation seed is <seed>
    And a scaling policy:
      | replication factor | 3   |
      | cpu target         | 50% |
    And an elastic cluster of 6 nodes that each serve 50 requests per second, holding 12 shards of 60 keys
    When 1 client works on the cluster
    And an operator asks the cluster to shrink by 3 nodes
    And the nodes being drained crash
    Then every shard still takes writes within 10 seconds
    When the crashed nodes restart
    Then the cluster has 3 server nodes within 5 minutes
    And every node removed held nothing when it stopped

    Examples:
      | seed |
      | 1    |
      | 2    |
      | 3    |

  Scenario: Oscillating load on the real cluster does not make it flap
    Given a scaling policy:
      | replication factor | 3   |
      | cpu target         | 50% |
      | max nodes          | 8   |
    And an elastic cluster of 4 nodes that each serve 50 requests per second, holding 16 shards of 60 keys
    When the clients alternate between 6 and 3 every 60 seconds for 10 minutes
    Then the autoscaler changed the node count at most 1 time

  Scenario: Without a scale-down window the same oscillating load makes the real cluster flap
    Given a scaling policy:
      | replication factor | 3   |
      | cpu target         | 50% |
      | max nodes          | 8   |
      | scale-down window  | 0 s |
    And an elastic cluster of 4 nodes that each serve 50 requests per second, holding 16 shards of 60 keys
    When the clients alternate between 6 and 3 every 60 seconds for 10 minutes
    Then the autoscaler changed the node count at least 4 times
    And every node removed held nothing when it stopped
