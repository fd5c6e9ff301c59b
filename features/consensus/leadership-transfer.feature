@consensus
Feature: Leadership transfer
  An operator can hand leadership to a chosen replica, for example before taking the
  leader's machine down. The leader stops taking new writes, brings the chosen replica's
  log up to date, and tells it to start an election at once; it wins because its log is
  complete. Bound: the chosen replica leads within 500 ms, and the group keeps it as
  leader.

  Background:
    Given a replicated group of 3 nodes
    And the group is led by node-1

  @smoke
  Scenario: Leadership is handed to a chosen follower
    When leadership is handed to node-3
    Then within 500 ms node-3 leads the group
    And every replica follows the leader

  Scenario: The chosen follower is brought up to date before it takes over
    Given node-3 is paused
    And 20 values are written to the group
    When node-3 is resumed
    And leadership is handed to node-3
    Then within 500 ms node-3 leads the group
    And within 1 second every replica has applied the same writes as the leader

  Scenario: Writes acknowledged before the transfer are kept
    When a client writes "before" to "x"
    And leadership is handed to node-2
    Then within 500 ms node-2 leads the group
    And a client reads "before" from "x"
    When 2 seconds pass
    Then node-2 leads the group
