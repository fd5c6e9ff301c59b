@regions
Feature: Survival goals that the regions cannot meet are refused
  A table's survival goal is checked against the nodes' regions and zones before the
  table is created. A goal that cannot be met is refused with an error naming the table,
  the goal and what is missing, and nothing is created.

  Scenario: The region goal needs at least three regions
    Given a store across regions, 3 nodes in each region, one per zone, with these one-way latencies:
      | from    | to      | latency |
      | us-east | us-west | 20 ms   |
    When tables with these survival goals are requested:
      | table  | survival goal | home region |
      | carts  | zone          | us-east     |
      | orders | region        | us-east     |
    Then the tables are refused because "table orders cannot have survival goal region (home region us-east): 3 voters need at least 3 regions so that losing one keeps a quorum of 2; the cluster has 2 regions (us-east, us-west)"

  Scenario: The zone goal needs enough zones in the home region
    Given a store across regions, 2 nodes in each region, one per zone, with these one-way latencies:
      | from    | to      | latency |
      | us-east | us-west | 20 ms   |
      | us-east | eu-west | 35 ms   |
      | us-west | eu-west | 45 ms   |
    When tables with these survival goals are requested:
      | table | survival goal | home region |
      | carts | zone          | us-west     |
    Then the tables are refused because "table carts cannot have survival goal zone (home region us-west): 3 voters in us-west need 3 zones there so that no zone holds more than 1; us-west has 2 zones (us-west-a, us-west-b)"

  Scenario: A home region with no node is refused
    Given a store across regions, 3 nodes in each region, one per zone, with these one-way latencies:
      | from    | to      | latency |
      | us-east | us-west | 20 ms   |
      | us-east | eu-west | 35 ms   |
      | us-west | eu-west | 45 ms   |
    When tables with these survival goals are requested:
      | table  | survival goal | home region |
      | orders | region        | ap-south    |
    Then the tables are refused because "table orders cannot have survival goal region (home region ap-south): no node stands in region ap-south (regions: eu-west, us-east, us-west)"
