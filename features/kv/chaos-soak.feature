@kv @chaos @soak
Feature: Linearizable under chaos, soak run
  The chaos scenario of features/kv/chaos.feature over 1,000 generated seeds, in blocks
  of 50 (one Examples row per block, so `--shard i/n` spreads the blocks over machines).
  Each seed runs in a fresh simulation with the same oracles, nemesis audit and clean-up
  checks as a scenario. Runs with the soak profile only (npx cucumber-js --profile soak);
  a failing seed is named with its replay command.

  Scenario Outline: Chaos runs for seeds <first> to <last>
    Then every seed from <first> to <last> passes these steps:
      """
      Given a running cluster of 5 nodes storing data in 3 shards with 3 replicas each
      And 4 clients reading, writing and comparing-and-setting 5 keys
      When a random fault schedule runs for 60 seconds with partitions, crashes, pauses and message loss
      Then every client history is linearizable
      And no acknowledged write was lost
      And the consensus safety checker saw no violation
      And within 10 seconds every shard accepts a new write
      And the clients completed at least 100 operations
      """

    Examples:
      | first | last |
      | 1001  | 1050 |
      | 1051  | 1100 |
      | 1101  | 1150 |
      | 1151  | 1200 |
      | 1201  | 1250 |
      | 1251  | 1300 |
      | 1301  | 1350 |
      | 1351  | 1400 |
      | 1401  | 1450 |
      | 1451  | 1500 |
      | 1501  | 1550 |
      | 1551  | 1600 |
      | 1601  | 1650 |
      | 1651  | 1700 |
      | 1701  | 1750 |
      | 1751  | 1800 |
      | 1801  | 1850 |
      | 1851  | 1900 |
      | 1901  | 1950 |
      | 1951  | 2000 |
