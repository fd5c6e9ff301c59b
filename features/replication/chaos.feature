@replication @chaos
Feature: Every replica converges under random partitions and clock skew
  For 60 simulated seconds the regions are split at random and their clocks set off by
  up to 200 ms (and drifting), while every region takes a mixed workload on every kind of
  keyspace. Then the network heals and the traffic stops: every region must hold the
  same state for every key, no counter increment may be lost, and every last-writer-wins
  key must hold its latest acknowledged write.

  Scenario Outline: Random partitions and clock skew for 60 seconds (seed <seed>)
    Given the simulation seed is <seed>
    And regions with these one-way latencies:
      | from    | to       | latency |
      | us-east | eu-west  | 80 ms   |
      | us-east | ap-south | 120 ms  |
      | eu-west | ap-south | 100 ms  |
    And keyspace "likes" resolves conflicts by PN-counter
    And keyspace "profiles" resolves conflicts by last-writer-wins
    And keyspace "carts" resolves conflicts by multi-value
    And keyspace "tags" resolves conflicts by add-wins OR-set
    When every region takes 40 operations per second across all keyspaces
    And for 60 seconds the regions are split at random and their clocks skewed by up to 200 ms
    And the writes stop
    Then within 5 seconds every region holds the same data
    And no counter increment was lost
    And every last-writer-wins key holds its latest acknowledged write

    Examples:
      | seed |
      | 1    |
      | 2    |
      | 3    |
      | 4    |
      | 5    |

  @soak
  Scenario Outline: Lossy links, region failures, partitions and clock skew for 60 seconds (seed <seed>)
    Clients may time out while their region is down or messages are lost; such updates
    may or may not have happened, and the oracles allow for both. A repair session that
    loses a message is given up after its time-out and tried again, so convergence takes
    longer than without loss (at most 8 s over 60 seeds when this was written).
    Given the simulation seed is <seed>
    And regions with these one-way latencies:
      | from    | to       | latency |
      | us-east | eu-west  | 80 ms   |
      | us-east | ap-south | 120 ms  |
      | eu-west | ap-south | 100 ms  |
    And 10% of messages are lost
    And 5% of messages are duplicated
    And each region keeps at most 200 unreplicated changes for another region
    And keyspace "likes" resolves conflicts by PN-counter
    And keyspace "profiles" resolves conflicts by last-writer-wins
    And keyspace "carts" resolves conflicts by multi-value
    And keyspace "tags" resolves conflicts by add-wins OR-set
    When every region takes 40 operations per second across all keyspaces
    And for 60 seconds the regions are split at random, fail and come back, and their clocks are skewed by up to 240 ms
    And the writes stop
    Then within 15 seconds every region holds the same data
    And no counter increment was lost
    And every last-writer-wins key holds its latest acknowledged write

    Examples:
      | seed |
      | 11   |
      | 12   |
      | 13   |
      | 14   |
      | 15   |
      | 16   |
      | 17   |
      | 18   |
      | 19   |
      | 20   |
