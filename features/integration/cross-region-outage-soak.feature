@regions @integration @soak
Feature: A cross-region outage while clients in every region write, soak run
  The scenario of features/integration/cross-region-outage.feature over 100 generated
  seeds, in blocks of 25, with the same bounds, oracles and clean-up checks. Runs with the
  soak profile only.

  Scenario Outline: us-east is cut off from the other regions for seeds <first> to <last>
    Then every seed from <first> to <last> passes these steps:
      """
      Given a store across regions, 3 nodes in each region, one per zone, with these one-way latencies:
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
      """

    Examples:
      | first | last |
      | 1001 | 1025 |
      | 1026 | 1050 |
      | 1051 | 1075 |
      | 1076 | 1100 |
