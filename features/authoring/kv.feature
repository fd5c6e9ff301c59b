@authoring
Feature: Key-value scenarios written from the glossary alone

  Scenario: Shard leaders are balanced once elected
    Given a running cluster of 4 nodes storing data in 4 shards with 3 replicas each
    Then within 5 seconds every shard has a leader
    And within 5 seconds no node leads more than 1 shard

  Scenario: Compare-and-set from nothing
    Given a running cluster of 3 nodes storing data in 2 shards with 3 replicas each
    When client "alice" changes "lock" from "nothing" to "alice"
    Then client "alice" is told it succeeded
    And client "bob" reads "alice" from "lock"

  Scenario: The store stays safe under crashes
    Given a running cluster of 5 nodes storing data in 3 shards with 3 replicas each
    And 3 clients reading, writing and comparing-and-setting 4 keys
    When a random fault schedule runs for 5 seconds with crashes and pauses
    Then every client history is linearizable
    And no acknowledged write was lost
    And the consensus safety checker saw no violation

  Scenario: A client writes without a store step first: the default store starts
    When client "alice" writes "blue" to "colour"
    Then client "bob" reads "blue" from "colour"
