@kv
Feature: Sharded key-value store
  Keys are spread over shards by a hash of the key; each shard is replicated on three
  nodes and has one leader. Leaders of different shards sit on different nodes, and a
  client always finds the leader of the shard that holds its key, even after leadership
  or the shard map has moved.

  Background:
    Given a running cluster of 5 nodes storing data in 5 shards with 3 replicas each

  @smoke
  Scenario: What one client writes, another reads
    When client "alice" writes "blue" to "colour"
    Then client "bob" reads "blue" from "colour"
    And client "bob" reads "nothing" from "size"

  Scenario: Shard leaders are spread over the nodes
    When 3 seconds pass
    Then within 1 second every shard has a leader
    And no node leads more than 1 shard

  Scenario: A client is redirected to the new leader after leadership moves
    Given client "alice" writes "v1" to "colour"
    When leadership of the shard holding "colour" moves to another node
    And client "alice" writes "v2" to "colour"
    Then client "alice" is told it succeeded
    And client "alice" was redirected to the new leader
    And client "bob" reads "v2" from "colour"

  Scenario: A client with an out-of-date shard map refreshes it
    Given client "alice" writes "v1" to "colour"
    When the shard map changes for the shard holding "colour"
    And client "alice" writes "v2" to "colour"
    Then client "alice" is told it succeeded
    And client "alice" has refreshed its shard map
