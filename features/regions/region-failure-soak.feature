@regions @soak
Feature: Losing a whole region, soak run
  The scenario of features/regions/region-failure.feature over 100 generated seeds, in
  blocks of 25 (one Examples row per block, so `--shard i/n` spreads them over machines),
  with the same bounds, oracles and clean-up checks. Runs with the soak profile only.

  Scenario Outline: A region fails and comes back for seeds <first> to <last>
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
        | carts    | zone          | us-east     |
        | profiles | zone          | eu-west     |
      And within 5 seconds every table's leader is in its home region
      When clients in every region write to every table
      And 3 seconds pass
      And every node in us-east fails
      And 25 seconds pass
      Then while the region was lost, writes to table "orders" from the other regions never paused longer than 3 seconds
      And while the region was lost, writes to table "profiles" from the other regions never paused longer than 1 second
      And while the region was lost, writes to table "carts" from every region failed with "table carts is unavailable"
      When the nodes in us-east come back
      And 10 seconds pass
      Then after the region came back, writes to table "carts" from every region succeeded again within 5 seconds
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
