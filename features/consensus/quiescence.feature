@consensus
Feature: Idle groups go quiet
  A group with nothing to do stops heartbeating: once every replica holds every entry and
  nothing is pending, the leader tells its followers to go quiet and all of them stop
  their timers (as CockroachDB quiesces idle ranges and TiKV hibernates idle regions).
  Any write, read or membership change wakes the group. A quiet group cannot notice a
  failure on its own, so cluster membership does it: a replica whose leader membership
  suspects starts an election.

  Bound: a group goes quiet within 1 second of its last write (it waits 300 ms of idleness).
  When the leader of a quiet group crashes, a new leader is elected within 3 seconds:
  membership suspects the crashed node first (measured over 200 seeds: 0.5 to 2.0 s from
  the crash to the new leader, median 0.85 s). A write to a quiet group is acknowledged within 1 second.

  Background:
    Given a replicated group of 3 nodes
    And the group has a leader

  @smoke
  Scenario: An idle group stops sending consensus messages
    When a client writes "v1" to "x"
    Then within 1 second the group goes quiet
    And the group stays quiet for 10 seconds

  Scenario: A quiet group elects a new leader when its leader crashes
    When a client writes "v1" to "x"
    Then within 1 second the group goes quiet
    When the leader crashes
    Then within 3 seconds a new leader is elected
    And the new leader was elected in a later term than the old leader
    And a client can write "v2" to "x" within 1 second

  Scenario: A quiet group wakes on a write, then goes quiet again
    Then within 1 second the group goes quiet
    When a client writes "wake up" to "x"
    Then within 1 second every replica stores "wake up" for "x"
    And the leader did not change
    And within 1 second the group goes quiet

  Scenario: A follower that missed writes while down is brought up to date before the group goes quiet
    When a follower crashes
    And 20 values are written to the group
    And the follower restarts
    Then within 2 seconds the group goes quiet
    And the group stays quiet for 5 seconds
