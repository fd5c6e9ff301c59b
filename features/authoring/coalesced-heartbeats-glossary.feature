@authoring
Feature: Coalesced heartbeats (written from the glossary)

  Scenario: Heartbeats of many Raft groups travel together under read-free writes
    Given a running cluster of 4 nodes storing data in 8 shards with 3 replicas each
    When 20 users spend 5 seconds doing 0% reads, 100% writes and 0% transactions
    Then at most 50% of the heartbeat messages carried a single group's heartbeat
