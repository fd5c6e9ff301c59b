@consensus
Feature: Adding and removing a server
  The group changes its membership one server at a time. A new server first joins as a
  learner: it receives the log but does not vote, so the group's majority is unchanged
  while it catches up. Once caught up it is promoted to a voter. A removed server stops
  counting towards the majority; a leader that removes itself hands over once the change
  is committed. Bound: each change is in effect on every replica within 1 second.

  Background:
    Given a running cluster of 4 nodes
    And a replicated group on node-1, node-2 and node-3
    And the group has a leader

  @smoke
  Scenario: A new server joins as a learner, catches up, and is promoted
    When 30 values are written to the group
    And node-4 is added to the group as a learner
    Then within 1 second every replica counts node-4 as a learner
    And within 1 second node-4 has caught up with the leader
    When node-4 is promoted to a voter
    Then within 1 second every replica counts node-4 as a voter
    When a client writes "v1" to "x"
    Then within 1 second every replica stores "v1" for "x"

  Scenario: A removed follower stops receiving writes
    When a follower is removed from the group
    Then within 1 second the group's voters no longer include the follower
    When a client writes "after removal" to "x"
    Then within 1 second every replica stores "after removal" for "x"
    And the follower does not store "after removal" for "x"

  Scenario: A leader that removes itself hands over to the others
    When the leader is removed from the group
    Then within 1 second a new leader is elected
    And within 1 second the group's voters no longer include the old leader
    And a client can write "after the leader left" to "x" within 1 second

  # A server that was down while the group removed it still holds its old copy of the group
  # when it starts again: its log, its term, and a configuration in which it is a voter.
  # Added back, it gets a new, empty replica that the leader fills; its old copy is deleted
  # first (TiKV destroys such a stale peer, CockroachDB gives the replica a new ID).
  Scenario: A server removed while it was down is added back with a new replica, not its old copy
    When 20 values are written to the group
    And a follower crashes
    And the follower is removed from the group
    Then within 1 second the group's voters no longer include the follower
    When 20 values are written to the group
    And the follower restarts
    And the follower is added to the group as a learner
    Then the follower's old copy of the group was replaced by a new replica when it was added back
    And within 1 second the follower has caught up with the leader

  # Until the removal commits, the server may still be a voter: a leader elected from a log
  # without the removal counts its log and its vote. So its replica must stay as it is: asking
  # to add it back is refused, and changes nothing.
  Scenario: Adding a server back before its removal has committed is refused and keeps its replica
    When 20 values are written to the group
    And a follower is removed from the group and at once added back as a learner
    Then the change is refused because another change is not yet committed
    And the refused change left the follower's replica as it was
    And within 1 second the group's voters no longer include the follower

  # A leader cut off from its group keeps its role until its check-quorum notices. If the others
  # elect a new leader and then lose it, the old one is the only replica that claims the role,
  # with a configuration the group may have left behind. A change is asked only of a leader
  # that a majority follows in its term, so it is refused until there is one again. (The old
  # leader is paused while the others elect, so that it still holds its role whatever the seed.)
  Scenario: A change is refused while only a deposed leader claims the role
    When node-4 is added to the group as a learner
    Then within 1 second node-4 has caught up with the leader
    When the leader is cut off from the others
    And the old leader is paused
    Then within 3 seconds a new leader is elected
    When the new leader crashes
    And the old leader is resumed
    Then the old leader still claims the leader role
    When node-4 is promoted to a voter
    Then the change is refused because the group has no leader that a majority follows
