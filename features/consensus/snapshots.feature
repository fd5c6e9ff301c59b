@consensus
Feature: A far-behind follower is restored from a snapshot
  Each replica compacts its log into a snapshot of its state once enough entries were
  applied since the last one. A follower that needs entries the leader has already
  compacted away receives the leader's snapshot instead, installs it, and continues from
  the log after it. Bound: it has caught up within 1 second of restarting.

  Background:
    Given a replicated group of 3 nodes that compacts its log every 20 entries
    And the group has a leader

  @smoke
  Scenario: A follower that was down during many writes is restored from a snapshot
    When a follower crashes
    And 100 values are written to the group
    And the follower restarts
    Then within 1 second the follower has caught up with the leader
    And the follower was brought up to date by a snapshot

  Scenario: A follower cut off during many writes is restored from a snapshot
    When a follower is cut off from the others
    And 100 values are written to the group
    And the network heals
    Then within 1 second the follower has caught up with the leader
    And the follower was brought up to date by a snapshot
