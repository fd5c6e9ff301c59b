@replication @chaos @soak
Feature: Regions of many nodes forget every deleted key under random faults, soak run
  The chaos scenario of forgetting-deleted-keys-in-replicated-regions.feature over 100
  generated seeds, in blocks of 50: regions of three nodes each, split at random, their
  shard leaders crashing and coming back, clocks skewed, under a mixed workload with
  deletes. Afterwards every region forgets every tombstone, holds the same data, applied
  every change exactly once, and lost nothing. Runs with the soak profile only; a failing
  seed is named with its replay command.

  Scenario Outline: Tombstone collection in replicated regions for seeds <first> to <last>
    Then every seed from <first> to <last> passes these steps:
      """
      Given each region is a cluster of 3 nodes with 2 shards
      And regions with these one-way latencies:
        | from    | to       | latency |
        | us-east | eu-west  | 80 ms   |
        | us-east | ap-south | 120 ms  |
        | eu-west | ap-south | 100 ms  |
      And keyspace "likes" resolves conflicts by PN-counter
      And keyspace "profiles" resolves conflicts by last-writer-wins
      When every region takes 40 operations per second across all keyspaces
      And for 45 seconds the regions are split at random, their shard leaders crash and come back, and their clocks are skewed by up to 200 ms
      And the writes stop
      Then within 5 seconds no region keeps more than 0 tombstones
      And every region collected at least 1 tombstone
      And within 5 seconds every region holds the same data
      And within 5 seconds every change between regions took effect exactly once
      And no counter increment was lost
      And every last-writer-wins key holds its latest acknowledged write
      """

    Examples:
      | first | last |
      | 9001  | 9050 |
      | 9051  | 9100 |
