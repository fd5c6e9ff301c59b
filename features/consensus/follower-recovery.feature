@consensus
Feature: A restarted follower catches up
  A follower keeps its term, vote and log on disk. After a crash it restarts from them,
  and the leader sends it the entries it missed, starting where their logs agree.
  Bound: it has applied everything the leader has within 1 second of restarting.

  Background:
    Given a replicated group of 3 nodes
    And the group has a leader

  @smoke
  Scenario: A follower that missed writes while down catches up from the leader's log
    When a follower crashes
    And 50 values are written to the group
    And the follower restarts
    Then within 1 second the follower has caught up with the leader
    And the follower caught up without a snapshot

  Scenario: A restarted follower recovers its log from its disk
    When 20 values are written to the group
    Then within 1 second every replica has applied the same writes as the leader
    When a follower restarts
    Then the follower's log is as long as it was before the restart
    And within 1 second the follower has caught up with the leader
