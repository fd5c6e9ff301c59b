@regions
Feature: Commit latency follows the quorum's round trips across regions
  Each table is one shard whose voters are placed by its survival goal. A write commits
  once a majority of voters has it, so its latency, seen from a client in the table's
  home region, is the round trip to the farthest voter of the nearest majority plus the
  client's own round trip to its leader (Spanner; CockroachDB's survival goals).

  With the latencies below (one way; 1 ms inside a region), the matrix predicts, and the
  runs measured over 5 seeds (median of about 150 writes per table and seed):
  - zone goal, home us-east: 2 ms in-region quorum + 2 ms client = 4 ms; measured 5 ms;
  - region goal, 3 voters, home us-east: us-west completes the quorum, 40 ms + 2 ms = 42 ms;
    measured 43 ms;
  - region goal, 5 voters, home eu-west (2 there, 2 in us-east, 1 in us-west): us-east
    completes the quorum, 70 ms + 2 ms = 72 ms; measured 73 ms.
  The 1 ms above the prediction is the two disk syncs (leader and follower, 0.5 ms each).
  The tolerance is 2 ms. The leader of every table stands in its home region.

  Scenario Outline: Commit latency per survival goal, seed <seed>
    Given the simulation seed is <seed>
    And a store across regions, 3 nodes in each region, one per zone, with these one-way latencies:
      | from    | to      | latency |
      | us-east | us-west | 20 ms   |
      | us-east | eu-west | 35 ms   |
      | us-west | eu-west | 45 ms   |
    And these tables, with their survival goals:
      | table  | survival goal | home region | voters |
      | carts  | zone          | us-east     | 3      |
      | orders | region        | us-east     | 3      |
      | users  | region        | eu-west     | 5      |
    Then every table's voters meet its survival goal
    And within 5 seconds every table's leader is in its home region
    When clients in every region write to every table
    And 10 seconds pass
    And the clients in every region stop writing
    Then the median commit latency of every table from its home region is the quorum's round trip from the latency matrix, within 2 ms
    And every client history is linearizable
    And no acknowledged write was lost
    And the consensus safety checker saw no violation

    Examples:
      | seed |
      | 1    |
      | 2    |
      | 3    |
      | 4    |
      | 5    |
