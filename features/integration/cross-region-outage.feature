@regions @integration
Feature: A cross-region outage while clients in every region write
  The network between us-east and the other two regions fails for 30 seconds; inside
  every region everything keeps working, and a client in every region keeps writing to
  every table. The survival goal of each table says who can still write:
  - region goal ("orders", home us-east; "users", home eu-west): no region holds a
    majority of voters, so the two connected regions keep a quorum and keep taking writes,
    and clients in the cut-off region cannot write (their side holds one voter);
  - zone goal, home us-east ("carts"): every voter is in us-east, so the table keeps taking
    writes from clients in us-east and none from the other regions;
  - zone goal, home eu-west ("profiles"): unaffected for eu-west and us-west, unavailable
    from us-east.
  Where the goal promises writes, no acknowledged write pauses longer than 3 s (measured
  over 5 seeds: at most about 1.2 s, the election of a new leader for "orders" outside
  us-east); where it does not, nothing is acknowledged after the first second, and the
  clients are told the table is unavailable. After the network is repaired, leaders go back
  to their home regions and the cut-off clients write again within 5 s. Nothing
  acknowledged is lost, and every client history is linearizable.

  Scenario Outline: us-east is cut off from the other regions, seed <seed>
    Given the simulation seed is <seed>
    And a store across regions, 3 nodes in each region, one per zone, with these one-way latencies:
      | from    | to      | latency |
      | us-east | us-west | 20 ms   |
      | us-east | eu-west | 35 ms   |
      | us-west | eu-west | 45 ms   |
    And these tables, with their survival goals:
      | table    | survival goal | home region |
      | orders   | region        | us-east     |
      | users    | region        | eu-west     |
      | carts    | zone          | us-east     |
      | profiles | zone          | eu-west     |
    And within 5 seconds every table's leader is in its home region
    When clients in every region write to every table
    And 3 seconds pass
    And the network between us-east and the other regions fails
    And 30 seconds pass
    Then while the region was lost, with no pause longer than 3 seconds, the tables took writes as their survival goals promise:
      | table    | clients in | writes  |
      | orders   | us-east    | fail    |
      | orders   | us-west    | succeed |
      | orders   | eu-west    | succeed |
      | users    | us-east    | fail    |
      | users    | us-west    | succeed |
      | users    | eu-west    | succeed |
      | carts    | us-east    | succeed |
      | carts    | us-west    | fail    |
      | carts    | eu-west    | fail    |
      | profiles | us-east    | fail    |
      | profiles | us-west    | succeed |
      | profiles | eu-west    | succeed |
    When the network between the regions is repaired
    And 10 seconds pass
    Then after the region came back, writes to table "orders" from every region succeeded again within 5 seconds
    And after the region came back, writes to table "carts" from every region succeeded again within 5 seconds
    And within 10 seconds every table's leader is in its home region
    When the clients in every region stop writing
    Then every table's voters meet its survival goal
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
