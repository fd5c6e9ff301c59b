@consensus
Feature: Conflicting logs are repaired by the leader (Raft paper, Figure 7)
  A new leader forces the followers' logs to match its own. Where a follower's log
  differs, the leader finds the last entry they agree on, skipping a whole term at a
  time, and the follower drops everything after it and takes the leader's entries.
  Entries missing on a follower are filled in; extra entries that were never committed
  are removed. Bound: all logs match within 1 second of the election.

  This is the situation of Figure 7 of the Raft paper: when the leader of term 8 comes
  to power, follower (a) and (b) miss entries, (c) and (d) have extra ones, and (e) and
  (f) have both.

  @smoke
  Scenario: The leader of term 8 makes every log of Figure 7 match its own
    Given a replicated group whose replicas start with these logs:
      | node   | current term | log terms               |
      | node-1 | 7            | 1 1 1 4 4 5 5 6 6 6     |
      | node-2 | 7            | 1 1 1 4 4 5 5 6 6       |
      | node-3 | 7            | 1 1 1 4                 |
      | node-4 | 7            | 1 1 1 4 4 5 5 6 6 6 6   |
      | node-5 | 7            | 1 1 1 4 4 5 5 6 6 6 7 7 |
      | node-6 | 7            | 1 1 1 4 4 4 4           |
      | node-7 | 7            | 1 1 1 2 2 2 3 3 3 3 3   |
    When node-1 calls an election
    Then within 1 second node-1 leads the group in term 8
    And within 1 second every replica's log matches the leader's
    And every replica's log starts with the terms 1 1 1 4 4 5 5 6 6 6 8

  Scenario Outline: A follower with <difference> is repaired
    Given a replicated group whose replicas start with these logs:
      | node   | current term | log terms           |
      | node-1 | 7            | 1 1 1 4 4 5 5 6 6 6 |
      | node-2 | 7            | 1 1 1 4 4 5 5 6 6 6 |
      | node-3 | 7            | <follower log>      |
    When node-1 calls an election
    Then within 1 second node-1 leads the group in term 8
    And within 1 second every replica's log matches the leader's
    And every replica's log starts with the terms 1 1 1 4 4 5 5 6 6 6 8

    Examples:
      | difference                    | follower log            |
      | missing entries               | 1 1 1 4                 |
      | extra entries of its own term | 1 1 1 4 4 5 5 6 6 6 6   |
      | entries of a later term       | 1 1 1 4 4 5 5 6 6 6 7 7 |
      | missing and conflicting terms | 1 1 1 2 2 2 3 3 3 3 3   |

  # A follower learns the commit index from the leader's appends and heartbeats. Until the
  # leader knows how much of the follower's log matches its own, it tells that follower
  # nothing is committed, so the follower never applies its own entries that were never
  # committed. Here node-3 is paused through the election and wakes with its extra entries
  # of term 3 still in place, the leader's first repair attempt and many heartbeats waiting.
  Scenario: A follower that still holds entries that were never committed does not apply them
    Given a replicated group whose replicas start with these logs:
      | node   | current term | log terms                               |
      | node-1 | 7            | 1 1 1 4 4 5 5 6 6 6                     |
      | node-2 | 7            | 1 1 1 4 4 5 5 6 6 6                     |
      | node-3 | 7            | 1 1 1 2 2 2 3 3 3 3 3 3 3 3 3 3 3 3 3 3 |
    And node-3 is paused
    When node-1 calls an election
    Then within 1 second node-1 leads the group in term 8
    When 10 values are written to the group
    And node-3 is resumed
    Then within 1 second every replica's log matches the leader's
    And every replica's log starts with the terms 1 1 1 4 4 5 5 6 6 6 8
