@transactions @sagas @regions @wip
Feature: Sagas over a store across regions survive a region failure
  The trip services and the replicated saga log live in a store spread over three
  regions, in one table whose survival goal is "region": its voters are spread over the
  three regions, so losing one region keeps a quorum. The whole of us-east fails while
  trips run; every trip still completes or is compensated, and nothing is half-done.

  Work in progress (not in the default profile): written when the regional store reached
  main; seeds 1, 2, 3 and 5 pass, seed 4 times out with no replica of the table reporting
  itself leader at the end of the 60 s wait. Not yet diagnosed (the saga layer or the
  regional store's elections after the region loss).

  Scenario Outline: us-east fails while trips run, seed <seed>
    Given the simulation seed is <seed>
    And a store across regions, 3 nodes in each region, one per zone, with these one-way latencies:
      | from    | to      | latency |
      | us-east | us-west | 20 ms   |
      | us-east | eu-west | 35 ms   |
      | us-west | eu-west | 45 ms   |
    And these tables, with their survival goals:
      | table | survival goal | home region |
      | trips | region        | us-east     |
    And trip-booking services that keep their state in the store, with these stocks:
      | service  | stock |
      | flights  | 4     |
      | hotels   | 10    |
      | cars     | 10    |
      | payments | 300   |
    And 3 saga orchestrators, one of them active
    When 4 trips are booked at once
    And every node in us-east fails
    Then within 60 s every trip completed or was compensated, and nothing is half-done

    Examples:
      | seed |
      | 1    |
      | 2    |
      | 3    |
      | 4    |
      | 5    |
