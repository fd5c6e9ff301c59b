@regions
Feature: A table's home region moves, and its leader and voters follow
  Giving a table a new home region is planned by the rebalancer's survival phase and
  carried out by the migration executor; the clients start writing once the move is done
  (features/regions/voter-joins-under-writes.feature moves voters while clients write):
  - "carts" (zone goal) moves from us-east to eu-west: all three voters move into the
    zones of eu-west, one at a time (a copy is added before one is removed), and its
    leader with them;
  - "orders" (region goal) moves its home to eu-west: its voters already span the three
    regions, so only leadership moves, into eu-west.
  The moves finish within 60 s (measured over 5 seeds: carts' 7 moves in 1.9 to 2.0 s,
  orders' leadership transfer in 0.18 s). Afterwards commit
  latency, seen from the new home region, follows the latency matrix again (carts 4 ms
  predicted, 5 measured; orders: eu-west's nearest other region is us-east, 70 ms + 2 ms
  predicted, 73 measured), every history is linearizable, nothing acknowledged is lost,
  and the placement map agrees with every group's configuration.

  Scenario Outline: Two tables move home to eu-west, seed <seed>
    Given the simulation seed is <seed>
    And a store across regions, 3 nodes in each region, one per zone, with these one-way latencies:
      | from    | to      | latency |
      | us-east | us-west | 20 ms   |
      | us-east | eu-west | 35 ms   |
      | us-west | eu-west | 45 ms   |
    And these tables, with their survival goals:
      | table  | survival goal | home region |
      | carts  | zone          | us-east     |
      | orders | region        | us-east     |
    When table "carts" moves its home region to eu-west within 60 seconds
    And table "orders" moves its home region to eu-west within 60 seconds
    Then every table's voters meet its survival goal
    And within 10 seconds every table's leader is in its home region
    When clients in every region write to every table
    And 8 seconds pass
    And the clients in every region stop writing
    Then the median commit latency of every table from its home region is the quorum's round trip from the latency matrix, within 2 ms
    And every client history is linearizable
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
