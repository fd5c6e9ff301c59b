@authoring
Feature: Survival goals and regions, written from the glossary alone (second try)

  Scenario: A payments table that must survive a region keeps taking writes when one goes dark
    Given a store across regions, 3 nodes in each region, one per zone, with these one-way latencies:
      | from       | to         | latency |
      | us-east    | us-west    | 30 ms   |
      | us-east    | eu-central | 45 ms   |
      | us-west    | eu-central | 70 ms   |
    And these tables, with their survival goals:
      | table    | survival goal | home region |
      | payments | region        | us-east     |
      | sessions | zone          | eu-central  |
    Then every table's voters meet its survival goal
    And within 5 seconds every table's leader is in its home region
    When clients in every region write to every table
    And 2 seconds pass
    And every node in us-east fails
    And 5 seconds pass
    Then while the region was lost, writes to table "payments" from the other regions never paused longer than 3 seconds
    When the nodes in us-east come back
    And 5 seconds pass
    Then after the region came back, writes to table "payments" from every region succeeded again within 5 seconds
    When the clients in every region stop writing
    Then within 10 seconds every table's leader is in its home region

  Scenario: Region survival is refused when there are only two regions
    Given a store across regions, 3 nodes in each region, one per zone, with these one-way latencies:
      | from    | to      | latency |
      | us-east | us-west | 30 ms   |
    When tables with these survival goals are requested:
      | table  | survival goal | home region |
      | ledger | region        | us-east     |
    Then the tables are refused because "table ledger cannot have survival goal region"

  Scenario: Upgrading a table from zone to region survival spreads its voters and keeps its leader home
    Given a store across regions, 3 nodes in each region, one per zone, with these one-way latencies:
      | from       | to         | latency |
      | us-east    | us-west    | 30 ms   |
      | us-east    | eu-central | 45 ms   |
      | us-west    | eu-central | 70 ms   |
    And these tables, with their survival goals:
      | table | survival goal | home region |
      | carts | zone          | us-east     |
    When table "carts" changes its survival goal to region within 60 seconds
    Then every table's voters meet its survival goal
    When an operator hands table "carts"'s leadership to its voter in eu-central
    Then within 10 seconds every table's leader is in its home region
