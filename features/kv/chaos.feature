@kv @chaos
Feature: Linearizable under chaos
  Five nodes, several shards, clients reading, writing and comparing-and-setting a
  handful of keys, while a random fault schedule drawn from the scenario's seed
  partitions, crashes and pauses nodes and loses messages for 60 simulated seconds.
  Then everything heals and the store must make progress again.

  Every client history is checked for linearizability, every acknowledged write must
  still be there, and the Raft safety checker watches every group throughout.

  Scenario Outline: Chaos run with seed <seed>
    Given the simulation seed is <seed>
    And a running cluster of 5 nodes storing data in 3 shards with 3 replicas each
    And 4 clients reading, writing and comparing-and-setting 5 keys
    When a random fault schedule runs for 60 seconds with partitions, crashes, pauses and message loss
    Then every client history is linearizable
    And no acknowledged write was lost
    And the consensus safety checker saw no violation
    And within 10 seconds every shard accepts a new write
    And the clients completed at least 100 operations

    Examples:
      | seed |
      | 1    |
      | 2    |
      | 3    |
      | 4    |
      | 5    |
