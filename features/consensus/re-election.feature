@consensus
Feature: Re-election after the leader fails
  When the leader stops, its followers stop hearing from it. After an election timeout
  (150 to 300 ms) one of them asks for votes and the others elect it.

  Bound: a new leader is elected within 1 second of the leader crashing or freezing
  (measured over 300 seeds: at most 531 ms).
  A leader that comes back finds a newer term and follows the new leader.

  Background:
    Given a replicated group of 5 nodes
    And the group has a leader

  @smoke
  Scenario: The followers elect a new leader when the leader crashes
    When the leader crashes
    Then within 1 second a new leader is elected
    And the new leader was elected in a later term than the old leader

  Scenario: The old leader rejoins as a follower after a restart
    When a client writes "before" to "x"
    And the leader crashes
    Then within 1 second a new leader is elected
    When a client writes "after" to "x"
    And the old leader restarts
    Then within 1 second the old leader follows the new leader
    And within 1 second every replica stores "after" for "x"

  Scenario: A frozen leader is replaced, and steps down when it resumes
    When the leader is paused
    Then within 1 second a new leader is elected
    When the old leader is resumed
    Then within 500 ms the old leader follows the new leader

  Scenario: Two crashed replicas out of five still leave a majority that elects a leader
    When the leader crashes
    And a follower crashes
    Then within 1 second a new leader is elected
    And a client can write "still available" to "x" within 1 second
