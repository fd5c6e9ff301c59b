@rebalancing @chaos @soak
Feature: Data moves under chaos, soak run
  The chaos scenario of features/rebalancing/chaos.feature over 1,000 generated seeds, in
  blocks of 50 (one Examples row per block, so `--shard i/n` spreads the blocks over
  machines). Runs with the soak profile only; a failing seed is named with its replay
  command.

  Scenario Outline: Rebalancing chaos runs for seeds <first> to <last>
    Then every seed from <first> to <last> passes these steps:
      """
      Given a running cluster of 5 nodes storing data in 3 shards with 3 replicas each that snapshot every 20 writes
      And 3 clients keep reading and writing 5 keys
      When random moves run for 20 seconds under random partitions, crashes, pauses and message loss
      Then every client history is linearizable
      And no acknowledged write was lost
      And the consensus safety checker saw no violation
      And within 10 seconds every shard accepts a new write
      And the placement map agrees with every group's configuration
      """

    Examples:
      | first | last |
      | 7001  | 7050 |
      | 7051  | 7100 |
      | 7101  | 7150 |
      | 7151  | 7200 |
      | 7201  | 7250 |
      | 7251  | 7300 |
      | 7301  | 7350 |
      | 7351  | 7400 |
      | 7401  | 7450 |
      | 7451  | 7500 |
      | 7501  | 7550 |
      | 7551  | 7600 |
      | 7601  | 7650 |
      | 7651  | 7700 |
      | 7701  | 7750 |
      | 7751  | 7800 |
      | 7801  | 7850 |
      | 7851  | 7900 |
      | 7901  | 7950 |
      | 7951  | 8000 |
