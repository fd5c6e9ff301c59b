@rebalancing
Feature: Hash slots move between shards while clients keep working
  A slot's keys are copied into the target shard, the writes made during the copy are
  caught up, and the placement map cuts over with a new epoch: clients holding the old
  map are told and refresh. The source refuses the slot from the moment it lets go, so no
  read or write is ever served by a shard that no longer holds the slot, and it deletes
  the moved keys afterwards. Splits and merges are made of such moves.

  Background:
    Given a running cluster of 4 nodes storing data in 3 shards with 3 replicas each that snapshot every 20 writes

  Scenario: A slot moves to another shard under client load
    Given 3 clients keep reading and writing 6 keys
    And 1 second passes
    When the slot holding "key-1" moves to "shard-3"
    Then within 30 seconds every move has finished
    When the clients stop
    Then "key-1" lives on "shard-3"
    And each of these keys is held by exactly the replicas the placement service names:
      | key   |
      | key-1 |
      | key-2 |
    And the placement history records these changes in order:
      | change                 |
      | cut over from shard-   |
    And every client history is linearizable
    And no acknowledged write was lost
    And the consensus safety checker saw no violation
    And the placement map agrees with every group's configuration
    And the clients completed at least 50 operations while data moved

  Scenario: A hot shard is split and its new half placed on other nodes
    Given 3 clients keep reading and writing 6 keys
    When "shard-1" is split, the upper half of its slots going to a new shard "shard-4" on node-2, node-3 and node-4
    Then within 60 seconds every move has finished
    When the clients stop
    Then "shard-4" owns 170 slots
    And "shard-1" owns 171 slots
    And every client history is linearizable
    And no acknowledged write was lost
    And the consensus safety checker saw no violation
    And the placement map agrees with every group's configuration

  Scenario: Two small shards merge into one
    Given 3 clients keep reading and writing 6 keys
    When "shard-2" merges into "shard-3"
    Then within 60 seconds every move has finished
    When the clients stop
    Then "shard-2" no longer exists and no node keeps any of its data
    And "shard-3" owns 683 slots
    And every client history is linearizable
    And no acknowledged write was lost
    And the consensus safety checker saw no violation
    And the placement map agrees with every group's configuration

  Scenario: A transfer that spans a slot move commits, and the move waits for its locks
    Given these accounts, each on a different shard:
      | account | balance |
      | alice   | 100     |
      | bob     | 50      |
    And client "c1" has begun transferring 30 from "alice" to "bob"
    When the slot holding account "alice" moves to another shard
    And 1 second passes
    And client "c1" commits its transaction
    Then client "c1"'s transaction committed
    And within 30 seconds every move has finished
    And the move waited for the transaction to finish before letting go of the slot
    And account "alice" no longer lives where it did
    And the balances are:
      | account | balance |
      | alice   | 70      |
      | bob     | 80      |
    And the consensus safety checker saw no violation
    And the placement map agrees with every group's configuration
