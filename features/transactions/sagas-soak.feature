@transactions @sagas @chaos @soak
Feature: Sagas under chaos, soak run
  The saga chaos scenario of features/transactions/sagas-chaos.feature over 1,000
  generated seeds, in blocks of 50 (one Examples row per block, so `--shard i/n` spreads
  the blocks over machines). Runs with the soak profile only; a failing seed is named
  with its replay command.

  Scenario Outline: Saga chaos runs for seeds <first> to <last>
    Then every seed from <first> to <last> passes these steps:
      """
      Given a trip-booking saga of these steps:
        | step          | service  | does    | undone by | attempts | pivot |
        | reserve seat  | flights  | reserve | cancel    | 3        |       |
        | reserve room  | hotels   | reserve | cancel    | 3        |       |
        | charge card   | payments | charge  |           | 1        | pivot |
        | issue tickets | mail     | send    |           | 5        |       |
      When 40 trips are booked over 20 seconds under random crashes, pauses, partitions, message loss and duplicated messages
      Then within 30 seconds every trip booking has ended
      And what every service applied matches how each saga ended
      And at least 1 of the trips was booked completely
      And a trip booked after healing completes within 10 seconds
      """

    Examples:
      | first | last |
      | 5001  | 5050 |
      | 5051  | 5100 |
      | 5101  | 5150 |
      | 5151  | 5200 |
      | 5201  | 5250 |
      | 5251  | 5300 |
      | 5301  | 5350 |
      | 5351  | 5400 |
      | 5401  | 5450 |
      | 5451  | 5500 |
      | 5501  | 5550 |
      | 5551  | 5600 |
      | 5601  | 5650 |
      | 5651  | 5700 |
      | 5701  | 5750 |
      | 5751  | 5800 |
      | 5801  | 5850 |
      | 5851  | 5900 |
      | 5901  | 5950 |
      | 5951  | 6000 |
