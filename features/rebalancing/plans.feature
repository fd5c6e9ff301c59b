@rebalancing
Feature: Rebalancing plans run while clients keep working
  The planner reads the placement map, the nodes (zone, capacity, draining) and a policy,
  and returns the moves that bring every node within the policy's threshold. The
  executor carries them out while clients keep reading and writing; every history is
  checked and, at the end, the placement map and every group's configuration agree.

  Scenario: An imbalanced cluster is rebalanced by its plan
    Given a running cluster of 3 nodes storing data in 6 shards with 3 replicas each that snapshot every 20 writes
    And 3 clients keep reading and writing 6 keys
    When node-4 joins the cluster
    And node-5 joins the cluster
    And a rebalance is planned that balances replicas within 10%
    Then the plan's moves are:
      | kind            | shard   | from   | to     |
      | move-replica    | shard-2 | node-1 | node-4 |
      | move-replica    | shard-3 | node-1 | node-4 |
      | move-replica    | shard-1 | node-2 | node-5 |
      | move-replica    | shard-3 | node-2 | node-5 |
      | move-replica    | shard-1 | node-3 | node-4 |
      | move-replica    | shard-2 | node-3 | node-5 |
      | transfer-leader | shard-2 | node-2 | node-4 |
      | transfer-leader | shard-1 | node-1 | node-5 |
    When the plan runs
    Then within 60 seconds every move has finished
    When the clients stop
    Then every node that is not draining holds between 3 and 4 replicas
    And every client history is linearizable
    And no acknowledged write was lost
    And the consensus safety checker saw no violation
    And the placement map agrees with every group's configuration

  Scenario: A new node receives its fair share and no more
    Given a running cluster of 4 nodes storing data in 8 shards with 3 replicas each that snapshot every 20 writes
    And 3 clients keep reading and writing 6 keys
    When node-5 joins the cluster
    And a rebalance is planned that balances replicas within 10%
    Then the plan moves at most 5 replicas
    When the plan runs
    Then within 60 seconds every move has finished
    When the clients stop
    Then node-5 holds between 4 and 5 replicas
    And every node that is not draining holds between 4 and 5 replicas
    And every client history is linearizable
    And no acknowledged write was lost
    And the placement map agrees with every group's configuration

  Scenario: A draining node ends empty and nothing is lost
    Given a running cluster of 5 nodes storing data in 5 shards with 3 replicas each that snapshot every 20 writes
    And 3 clients keep reading and writing 6 keys
    When node-2 is drained
    And a rebalance is planned that balances replicas within 10%
    And the plan runs
    Then within 60 seconds every move has finished
    When the clients stop
    Then node-2 holds no replica
    And every client history is linearizable
    And no acknowledged write was lost
    And the consensus safety checker saw no violation
    And the placement map agrees with every group's configuration

  Scenario: Zone constraints hold through a rebalance
    Given a running cluster of 6 nodes in zones "a, b and c" storing data in 6 shards with 3 replicas each
    And 3 clients keep reading and writing 6 keys
    When node-7 joins in zone "a"
    And node-8 joins in zone "b"
    And a rebalance is planned that balances replicas within 10%
    And the plan runs
    Then within 60 seconds every move has finished
    When the clients stop
    Then no shard ever had two replicas in one zone
    And every node that is not draining holds between 2 and 3 replicas
    And every client history is linearizable
    And no acknowledged write was lost
    And the placement map agrees with every group's configuration

  Scenario: A threshold of zero is refused
    Given a running cluster of 3 nodes storing data in 3 shards with 3 replicas each that snapshot every 20 writes
    When a rebalance is planned that balances replicas within 0%
    Then the plan is refused because "threshold must be a number > 0"

  Scenario: A drain that would leave too few nodes is refused
    Given a running cluster of 3 nodes storing data in 3 shards with 3 replicas each that snapshot every 20 writes
    When node-1 is drained
    And a rebalance is planned that balances replicas within 10%
    Then the plan is refused because "draining node-1 leaves 2 nodes to hold data, fewer than the 3 replicas a shard needs"

  Scenario: Draining a node that does not exist is refused
    Given a running cluster of 3 nodes storing data in 3 shards with 3 replicas each that snapshot every 20 writes
    When node-9 is drained
    And a rebalance is planned that balances replicas within 10%
    Then the plan is refused because "there is no node node-9 to drain"

  Scenario: The throttle bounds concurrent moves and their bandwidth
    Given a running cluster of 4 nodes storing data in 8 shards with 3 replicas each that snapshot every 20 writes
    And moves run at most 1 at a time over a link of 200 bytes per second
    And 3 clients keep reading and writing 6 keys
    And 2 seconds pass
    When node-5 joins the cluster
    And a rebalance is planned that balances replicas within 10%
    And the plan runs
    Then within 60 seconds every move has finished
    And at most 1 moves were ever in flight at once
    And the data took at least as long to move as the link allows
    When the clients stop
    Then every client history is linearizable
    And no acknowledged write was lost
    And the placement map agrees with every group's configuration
