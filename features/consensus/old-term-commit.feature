@consensus
Feature: A leader commits entries of an earlier term only through one of its own (Raft paper, Figure 8)
  A leader counts replicas only for entries of its own term. An entry from an earlier
  term may be stored on a majority and still be replaced by a later leader, so counting
  it would be unsafe; it becomes committed only when an entry of the current term after
  it is committed.

  The logs below are Figure 8 (c): node-1 led term 2 and stored the entry at index 2 on
  node-2; node-5 led term 3; node-1 then led term 4 and copied its term-2 entry to node-3,
  so a majority holds it. Whichever candidate wins next, no leader commits by counting an
  entry of an earlier term, and all logs end up equal. Bound: within 1 second.

  The leader sends one entry per message here, so that followers acknowledge the entries
  of earlier terms before the new leader's own entry: the moment when counting them would
  be tempting.

  Scenario Outline: <winner> wins the next election, and the entry at index 2 ends with term <final term>
    Given the leader sends at most 1 log entry per message
    And a replicated group whose replicas start with these logs:
      | node   | current term | log terms |
      | node-1 | 4            | 1 2 4     |
      | node-2 | 4            | 1 2       |
      | node-3 | 4            | 1 2       |
      | node-4 | 4            | 1         |
      | node-5 | 4            | 1 3       |
    When <winner> calls an election
    Then within 1 second <winner> leads the group in term 5
    And within 1 second every replica's log matches the leader's
    And every replica's log starts with the terms <final log>
    And no leader committed an entry of an earlier term by counting replicas

    @smoke
    Examples: The candidate holding the term-4 entry wins and keeps the term-2 entry
      | winner | final term | final log |
      | node-1 | 2          | 1 2 4 5   |

    Examples: The candidate holding the term-3 entry wins and replaces the term-2 entry
      | winner | final term | final log |
      | node-5 | 3          | 1 3 5     |
