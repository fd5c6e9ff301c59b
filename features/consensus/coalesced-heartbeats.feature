@consensus
Feature: The heartbeats of many groups travel together
  Every node ticks all the Raft groups it hosts on one timer, and a leader heartbeats on the
  ticks that are multiples of its interval, whenever it was elected. So the heartbeats a node
  sends one peer for all the groups it leads leave on the same tick, as one message, and the
  answers come back as one (CockroachDB's coalesced heartbeats). A heartbeat is still never
  more than an interval after the one before.

  Measured over the run below (6 shards on 3 nodes, 6 users writing for 3 seconds, the
  cluster's start included), seeds 1-6: with each leader heartbeating on its own phase, 70%
  to 82% of the heartbeat messages carried a single group's heartbeat or answer; with the
  ticks aligned, 16% to 34% do (the rounds a leader starts between ticks, for a new term, a
  read or a wake-up, go alone).

  Scenario: Writes to six shards on three nodes: the heartbeats between two nodes go together
    Given a running cluster of 3 nodes storing data in 6 shards with 3 replicas each
    When 6 users spend 3 seconds doing 0% reads, 100% writes and 0% transactions
    Then at most 50% of the heartbeat messages carried a single group's heartbeat
