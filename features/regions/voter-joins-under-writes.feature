@regions
Feature: A voter in another region joins while clients keep writing
  A table's home region moves while a client in every region keeps writing to it: each
  of its three voters moves into the new region, one at a time, by adding a copy there
  as a learner, promoting it to voter once it has caught up, moving leadership if needed,
  and removing an old voter. A learner a wide-area round trip away is never exactly as
  far as its leader's commit index while writes keep coming, so it is promoted once a
  round of catching it up (sending it everything its leader held when the round began)
  takes less than an election timeout (Raft thesis §4.2.1): it then lacks at most the
  entries of one election timeout.

  "carts" (zone goal) moves from us-east to eu-west, 35 ms away. Measured over the 5
  seeds below: each new voter became a voter 0.16 to 0.28 s after it joined as a learner,
  holding 3 to 10 entries more than its leader had committed one election timeout before;
  the six moves took 3.0 to 3.6 s. The bound below, 5 s per voter, leaves room. Nothing
  acknowledged is lost, every history is linearizable, and the placement map agrees with
  every group's configuration.

  Scenario Outline: carts moves home to eu-west while clients write, seed <seed>
    Given the simulation seed is <seed>
    And a store across regions, 3 nodes in each region, one per zone, with these one-way latencies:
      | from    | to      | latency |
      | us-east | us-west | 20 ms   |
      | us-east | eu-west | 35 ms   |
      | us-west | eu-west | 45 ms   |
    And these tables, with their survival goals:
      | table | survival goal | home region |
      | carts | zone          | us-east     |
    And within 5 seconds every table's leader is in its home region
    When clients in every region write to every table
    And 2 seconds pass
    And table "carts" moves its home region to eu-west within 60 seconds
    Then every voter that joined a table during the moves was promoted within 5 seconds of joining, at most one election timeout behind its leader
    And every table's voters meet its survival goal
    And within 10 seconds every table's leader is in its home region
    When the clients in every region stop writing
    Then every client history is linearizable
    And no acknowledged write was lost
    And the consensus safety checker saw no violation
    And the placement map agrees with every group's configuration

    Examples:
      | seed |
      | 1    |
      | 2    |
      | 3    |
      | 4    |
      | 5    |
