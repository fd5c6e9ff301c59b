@rebalancing
Feature: Replicas move between nodes while clients keep working
  A shard's copy moves from one node to another through the group's own membership
  changes: the newcomer joins as a learner and catches up (from a snapshot, then the log),
  is promoted, leadership leaves the old copy, and the old copy is removed and deleted.
  The placement service, which alone says where data lives, records every step, and at
  the end its map and every group's configuration agree.

  Background:
    Given a running cluster of 4 nodes storing data in 4 shards with 3 replicas each that snapshot every 20 writes

  Scenario: Where keys and a node's data live
    When client "alice" writes "blue" to "colour"
    And client "alice" writes "large" to "size"
    Then each of these keys is held by exactly the replicas the placement service names:
      | key    |
      | colour |
      | size   |
    And the placement service's view of node-1 matches what the node reports

  Scenario: A shard's copy moves off its leader to a new node under client load
    Given 3 clients keep reading and writing 6 keys
    And 3 seconds pass
    When node-5 joins through node-1
    And the copy of "shard-1" held by its leader moves to node-5
    Then within 30 seconds every move has finished
    When the clients stop
    Then node-5 holds a full copy of "shard-1"
    And the node that led "shard-1" before the move holds no data of it
    And node-5 caught up on "shard-1" from a snapshot
    And the placement history records these changes in order:
      | change                          |
      | joined shard-1 as a learner     |
      | promoted to voter of shard-1    |
      | removed from shard-1            |
    And the placement service's view of node-5 matches what the node reports
    And every client history is linearizable
    And no acknowledged write was lost
    And the consensus safety checker saw no violation
    And the placement map agrees with every group's configuration
    And the clients completed at least 100 operations while data moved
