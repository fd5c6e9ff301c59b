@consensus
Feature: Promoting a learner
  A learner is promoted to a voter only once its log has caught up with what the group
  has committed: a voter that lags could make the group wait for it, or vote for a
  leader missing committed entries. A promotion asked for too early is refused with the
  reason, and accepted once the learner has caught up. Bound: a reachable learner
  catches up within 1 second.

  Background:
    Given a running cluster of 4 nodes
    And a replicated group on node-1, node-2 and node-3
    And the group has a leader
    And 30 values are written to the group

  @smoke
  Scenario: A learner that lags behind is not promoted until it has caught up
    Given node-4 is cut off from the others
    When node-4 is added to the group as a learner
    And node-4 is promoted to a voter
    Then the change is refused because the learner has not caught up
    When the network heals
    Then within 1 second node-4 has caught up with the leader
    When node-4 is promoted to a voter
    Then within 1 second every replica counts node-4 as a voter

  Scenario: A second change waits until the first is committed
    When node-4 is added to the group as a learner and at once promoted to a voter
    Then the change is refused because another change is not yet committed
    And within 1 second every replica counts node-4 as a learner

  Scenario: A learner does not count towards the majority and never leads
    When node-4 is added to the group as a learner
    Then within 1 second node-4 has caught up with the leader
    When the leader crashes
    And a follower crashes
    And 2 seconds pass
    Then the group has no leader
    And node-4 has never led the group
