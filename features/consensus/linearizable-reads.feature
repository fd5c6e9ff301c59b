@consensus
Feature: No stale read from a deposed leader
  A replica that believes it leads still confirms with a majority that it does before it
  answers a read (ReadIndex): it notes its commit index, hears back from a majority of
  the group, and waits until it has applied that index. A leader cut off from the group
  cannot get that confirmation, so it never answers with a value the new leader has
  already overwritten; it refuses the read once it steps down (within 1 second).

  Background:
    Given a replicated group of 3 nodes
    And the group has a leader
    And a client writes "old" to "x"

  @smoke
  Scenario: A leader cut off and frozen during a write elsewhere refuses the read when it resumes
    When the leader is cut off from the others
    And the old leader is paused
    Then within 1 second a new leader is elected
    When a client writes "new" to "x"
    And the old leader is resumed
    And the old leader is asked for the value of "x"
    Then the old leader still believed it was the leader when it was asked
    And within 1 second the old leader refuses the read
    And a client reads "new" from "x"

  Scenario: A leader cut off from the others refuses a read instead of answering it
    When the leader is cut off from the others
    And the old leader is asked for the value of "x"
    Then within 1 second the old leader refuses the read
    And within 1 second a new leader is elected

  Scenario: The leader answers a read with the latest acknowledged write
    When the leader is asked for the value of "x"
    Then within 100 ms the leader answers "old"
