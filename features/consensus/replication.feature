@consensus
Feature: Replication and commit
  The leader appends each write to its log and sends it to every follower. A write is
  committed, applied and acknowledged once a majority of the group stores it; the
  followers apply it when they learn it is committed. A leader without a majority
  acknowledges nothing. Bound: an acknowledged write is on every running replica within
  1 second.

  Background:
    Given a replicated group of 3 nodes
    And the group has a leader

  @smoke
  Scenario: An acknowledged write reaches every replica
    When a client writes "v1" to "x"
    Then within 1 second every replica stores "v1" for "x"

  Scenario: Many writes are applied in the same order everywhere
    When 100 values are written to the group
    Then within 1 second every replica has applied the same writes as the leader

  Scenario: A write commits with one follower down
    When a follower crashes
    Then a client can write "v1" to "x" within 1 second

  Scenario: A leader without a majority does not acknowledge a write
    When every follower crashes
    And a client starts writing "v1" to "x"
    And 2 seconds pass
    Then the write has not been acknowledged
    When the crashed followers restart
    Then within 2 seconds the write is acknowledged
    And within 1 second every replica stores "v1" for "x"
