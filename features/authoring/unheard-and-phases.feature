@rebalancing @scaling
Feature: Data moves and scaling phases under faults, written from the glossary alone

  A copy of a shard that moves to a node nobody can hear must not leave the shard
  short of a copy; forged heartbeats must not change where data lives while it moves;
  and the real cluster must grow, spread and shrink through its phases.

  Scenario: A move to a learner that nobody can hear is rolled back
    Given a running cluster of 3 nodes storing data in 3 shards with 3 replicas each that snapshot every 50 writes
    And 3 clients keep reading and writing 5 keys
    When node-4 joins the cluster
    And messages from node-4 to node-1 are lost
    And messages from node-4 to node-2 are lost
    And messages from node-4 to node-3 are lost
    And the copy of "shard-1" held by its leader moves to node-4
    And node-4 has joined "shard-1" as a learner
    Then within 30 seconds the move has been rolled back
    And the node that led "shard-1" before the move holds a full copy of it
    When the network heals
    And the clients stop
    Then node-4 holds no replica
    And the placement map agrees with every group's configuration

  Scenario: A new voter that goes unheard for a while still ends its move with a full copy
    Given a running cluster of 3 nodes storing data in 3 shards with 3 replicas each that snapshot every 50 writes
    And 3 clients keep reading and writing 5 keys
    When node-4 joins the cluster
    And the copy of "shard-1" held by its leader moves to node-4
    And node-4 has become a voter of "shard-1"
    And messages from node-4 to node-1 are lost
    And messages from node-4 to node-2 are lost
    And messages from node-4 to node-3 are lost
    And 3 seconds pass
    And the network heals
    Then within 30 seconds every move has finished
    And node-4 holds a full copy of "shard-1"
    And the node that led "shard-1" before the move holds no data of it
    When the clients stop
    Then the placement map agrees with every group's configuration

  Scenario: Heartbeats forged in a node's name change nothing while a copy moves
    Given a running cluster of 4 nodes storing data in 4 shards with 3 replicas each that snapshot every 50 writes
    And 3 clients keep reading and writing 5 keys
    When a member sends the placement group heartbeats in node-1's name, saying it holds nothing, for 5 seconds
    And node-5 joins the cluster
    And the copy of "shard-1" held by its leader moves to node-5
    Then within 30 seconds every move has finished
    And every forged heartbeat was dropped and counted
    And node-5 holds a full copy of "shard-1"
    And the placement service's view of node-1 matches what the node reports
    When the clients stop
    Then the placement map agrees with every group's configuration

  Scenario: The real cluster grows under load, spreads its shards, then shrinks when the load drops
    Given a scaling policy:
      | cpu target         | 40% |
      | replication factor | 3   |
      | max nodes          | 6   |
    And an elastic cluster of 3 nodes that each serve 50 requests per second, holding 6 shards of 60 keys
    When 12 clients work on the cluster
    And the cluster has grown to at least 5 server nodes within 3 minutes
    And the shards have spread over every server node within 3 minutes
    And 2 clients work on the cluster
    And the cluster has shrunk to 3 server nodes within 8 minutes
    Then every node removed held nothing when it stopped
    And every shard still takes writes within 10 seconds

  Scenario: The real cluster still grows and spreads its shards while messages are lost
    Given 2% of messages are lost
    And a scaling policy:
      | cpu target         | 40% |
      | replication factor | 3   |
      | max nodes          | 6   |
    And an elastic cluster of 3 nodes that each serve 50 requests per second, holding 6 shards of 60 keys
    When 12 clients work on the cluster
    And the cluster has grown to at least 5 server nodes within 3 minutes
    And the shards have spread over every server node within 4 minutes
    Then every shard has its replication factor on running nodes within 1 minute
    And every shard still takes writes within 10 seconds
