@transactions @chaos @soak
Feature: Bank transfers stay consistent under chaos, soak run
  The bank scenario of features/transactions/bank-transfers.feature over 1,000
  generated seeds, in blocks of 50 (one Examples row per block, so `--shard i/n` spreads
  the blocks over machines). Runs with the soak profile only; a failing seed is named
  with its replay command.

  Scenario Outline: Bank runs for seeds <first> to <last>
    Then every seed from <first> to <last> passes these steps:
      """
      Given a running cluster of 5 nodes storing data in 3 shards with 3 replicas each
      And 10 bank accounts holding 100 each, spread over every shard
      And 5 tellers transferring money between them and auditing the total
      When the bank runs for 30 seconds under random partitions, crashes, pauses, message loss, duplicated messages and clock skew
      Then within 10 seconds no transaction holds locks and every outcome is known
      And the total balance is still 1000
      And every committed audit saw a total of 1000
      And the cycle checker finds no anomaly in the transaction history
      And the consensus safety checker saw no violation
      """

    Examples:
      | first | last |
      | 2001  | 2050 |
      | 2051  | 2100 |
      | 2101  | 2150 |
      | 2151  | 2200 |
      | 2201  | 2250 |
      | 2251  | 2300 |
      | 2301  | 2350 |
      | 2351  | 2400 |
      | 2401  | 2450 |
      | 2451  | 2500 |
      | 2501  | 2550 |
      | 2551  | 2600 |
      | 2601  | 2650 |
      | 2651  | 2700 |
      | 2701  | 2750 |
      | 2751  | 2800 |
      | 2801  | 2850 |
      | 2851  | 2900 |
      | 2901  | 2950 |
      | 2951  | 3000 |
