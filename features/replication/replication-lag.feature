@replication
Feature: Replication lag per region pair, as a table and a picture
  For each ordered pair of regions the lag report gives how far the destination is
  behind the origin: in simulated milliseconds (the age of the oldest change not yet
  applied) and in pending changes, sampled every 100 ms of virtual time.

  Scenario: The lag report follows a partition and the catch-up after it
    Given regions with these one-way latencies:
      | from    | to       | latency |
      | us-east | eu-west  | 80 ms   |
      | us-east | ap-south | 120 ms  |
      | eu-west | ap-south | 100 ms  |
    And keyspace "events" resolves conflicts by last-writer-wins
    When every region takes 50 writes per second to "events"
    And 2 seconds pass
    And ap-south is cut off from the other regions
    And 2 seconds pass
    And the network heals
    And 1 second passes
    And the writes stop
    Then within 2 seconds every region pair has caught up
    And the replication-lag report has a row for each of the 6 region pairs
    And before the partition no region pair lagged more than 150 ms
    And the lag from us-east to ap-south reached at least 1.5 seconds
    And the lag from ap-south to eu-west reached at least 1.5 seconds
    And the report pictures the lag of every region pair over virtual time
