@replication @chaos @soak
Feature: Every replica converges under random partitions and clock skew, soak run
  The georeplication chaos scenario of features/replication/chaos.feature over 1,000
  generated seeds, in blocks of 50 (one Examples row per block, so `--shard i/n` spreads
  the blocks over machines). Runs with the soak profile only; a failing seed is named
  with its replay command.

  Scenario Outline: Georeplication chaos runs for seeds <first> to <last>
    Then every seed from <first> to <last> passes these steps:
      """
      Given regions with these one-way latencies:
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
      """

    Examples:
      | first | last |
      | 3001  | 3050 |
      | 3051  | 3100 |
      | 3101  | 3150 |
      | 3151  | 3200 |
      | 3201  | 3250 |
      | 3251  | 3300 |
      | 3301  | 3350 |
      | 3351  | 3400 |
      | 3401  | 3450 |
      | 3451  | 3500 |
      | 3501  | 3550 |
      | 3551  | 3600 |
      | 3601  | 3650 |
      | 3651  | 3700 |
      | 3701  | 3750 |
      | 3751  | 3800 |
      | 3801  | 3850 |
      | 3851  | 3900 |
      | 3901  | 3950 |
      | 3951  | 4000 |
