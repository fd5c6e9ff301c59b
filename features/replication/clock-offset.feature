@replication
Feature: A clock beyond the maximum offset is detected and reported
  Regions measure each other's clocks all the time. A region whose clock is further
  from the others' than the maximum offset is refused: its changes are not applied and
  nothing is sent to it, because accepting its timestamps would drag every clock into
  the future. The refusal is reported with the offset measured, and lifted once the
  clock is corrected.

  Scenario: A region whose clock jumps beyond the maximum offset is refused until it is corrected
    Given regions with these one-way latencies:
      | from    | to       | latency |
      | us-east | eu-west  | 80 ms   |
      | us-east | ap-south | 120 ms  |
      | eu-west | ap-south | 100 ms  |
    And keyspace "profiles" resolves conflicts by last-writer-wins
    And the maximum clock offset is 500 ms
    When the clocks in ap-south jump 2 seconds ahead
    Then within 1 second us-east and eu-west refuse ap-south, whose clock they measure about 2 seconds ahead
    When a client in ap-south writes "profiles/x" = "from the future"
    And 1 second passes
    Then us-east and eu-west do not hold "profiles/x"
    When the clocks in ap-south are corrected
    Then within 2 seconds no region refuses another
    And within 5 seconds every region reads "profiles/x" as "from the future"

  Scenario: A change written just after its region's clock jumped beyond the maximum offset waits until the clock is corrected
    Given regions with these one-way latencies:
      | from    | to       | latency |
      | us-east | eu-west  | 80 ms   |
      | us-east | ap-south | 120 ms  |
      | eu-west | ap-south | 100 ms  |
    And keyspace "profiles" resolves conflicts by last-writer-wins
    And the maximum clock offset is 500 ms
    When the clocks in ap-south jump 2 seconds ahead
    And a client in ap-south writes "profiles/y" = "from the future"
    And 1 second passes
    Then us-east and eu-west do not hold "profiles/y"
    When the clocks in ap-south are corrected
    Then within 5 seconds every region reads "profiles/y" as "from the future"
