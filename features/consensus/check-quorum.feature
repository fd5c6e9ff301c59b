@consensus
Feature: An isolated leader steps down (check-quorum)
  A leader that has not heard from a majority of its group for an election timeout stops
  leading, so clients stop waiting on it and look for the real leader. Bound: a leader
  cut off from the others steps down within 1 second (it checks once per election
  timeout of 150 ms, so within two of them; measured over 300 seeds: at most 203 ms), and
  the others elect a new leader within 1 second.

  Background:
    Given a replicated group of 5 nodes
    And the group has a leader

  @smoke
  Scenario: A leader cut off from the others steps down
    When the leader is cut off from the others
    Then within 1 second the old leader steps down
    And within 1 second a new leader is elected

  Scenario: The old leader follows the new leader when the network heals
    When the leader is cut off from the others
    Then within 1 second a new leader is elected
    When the network heals
    Then within 1 second the old leader follows the new leader

  Scenario: A leader on the minority side of a split network steps down
    When the leader and a follower are split from the others
    Then within 1 second the old leader steps down
    And within 1 second a new leader is elected
