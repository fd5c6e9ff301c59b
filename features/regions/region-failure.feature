@regions
Feature: Losing a whole region, under each survival goal
  Every node of us-east fails at once while a client in every region keeps writing to
  every table. Clients are not in the failure: the clients in us-east keep trying.
  - "orders" has the region goal (one voter in each region, leader at home in us-east).
    It elects a new leader outside us-east and keeps taking writes from every region:
    the longest pause of acknowledged writes is bounded by 3 s (measured over 5 seeds:
    at most about 1.1 s). When us-east returns, leadership goes back home.
  - "carts" has the zone goal (every voter in us-east). It is unavailable while us-east is
    down: no write is acknowledged, and within a client's 10 s deadline every client is
    told "table carts is unavailable". When us-east comes back, writes to it succeed
    again from every region within 5 s (measured: under 1.5 s).
  - "profiles" has the zone goal with home region eu-west; losing us-east does not touch
    it (pauses bounded by 1 s; measured: at most about 0.1 s).
  Nothing acknowledged is lost, and every client history is linearizable.

  Scenario Outline: A region fails and comes back, seed <seed>
    Given the simulation seed is <seed>
    And a store across regions, 3 nodes in each region, one per zone, with these one-way latencies:
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

    Examples:
      | seed |
      | 1    |
      | 2    |
      | 3    |
      | 4    |
      | 5    |
