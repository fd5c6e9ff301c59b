@transactions @sagas @soak
Feature: Sagas over the sharded store, soak run
  The scenarios of features/transactions/sagas-over-store.feature over 100 generated
  seeds each, in blocks of 50 (one Examples row per block, so `--shard i/n` spreads the
  blocks over machines). Runs with the soak profile only; a failing seed is named with
  its replay command.

  Scenario Outline: Trips while a service's shard leaders crash mid-saga, seeds <first> to <last>
    Then every seed from <first> to <last> passes these steps:
      """
      Given trip-booking services that keep their state in the store, with these stocks:
        | service  | stock |
        | flights  | 4     |
        | hotels   | 10    |
        | cars     | 10    |
        | payments | 300   |
      And 3 saga orchestrators, one of them active
      And the leaders of the "hotels" service's shards crash when a trip reaches step "reserve room"
      When 4 trips are booked at once
      Then within 30 s every trip completed or was compensated, and nothing is half-done
      And the "hotels" service's shards elected new leaders during the trips
      """

    Examples:
      | first | last |
      | 3001  | 3050  |
      | 3051  | 3100  |

  Scenario Outline: Trips while the active orchestrator crashes and a standby resumes them, seeds <first> to <last>
    Then every seed from <first> to <last> passes these steps:
      """
      Given trip-booking services that keep their state in the store, with these stocks:
        | service  | stock |
        | flights  | 4     |
        | hotels   | 10    |
        | cars     | 10    |
        | payments | 300   |
      And 3 saga orchestrators, one of them active
      And the active orchestrator crashes when a trip reaches step "rent car"
      When 4 trips are booked at once
      Then within 30 s every trip completed or was compensated, and nothing is half-done
      And another orchestrator took over within 8 s and resumed the unfinished trips
      """

    Examples:
      | first | last |
      | 3101  | 3150  |
      | 3151  | 3200  |

  Scenario Outline: A trip through a split brain of the orchestrators, seeds <first> to <last>
    Then every seed from <first> to <last> passes these steps:
      """
      Given trip-booking services that keep their state in the store, with these stocks:
        | service  | stock |
        | flights  | 4     |
        | hotels   | 10    |
        | cars     | 10    |
        | payments | 300   |
      And 3 saga orchestrators, one of them active
      And a split brain for 15 s when a trip reaches step "rent car": the active orchestrator reaches the services but not the store, and the others reach the store but not the "cars" service
      When 1 trip is booked at once
      Then within 60 s every trip completed or was compensated, and nothing is half-done
      And 0 trips completed and 1 was compensated
      """

    Examples:
      | first | last |
      | 3201  | 3250  |
      | 3251  | 3300  |

  Scenario Outline: Concurrent trips under random faults, seeds <first> to <last>
    Then every seed from <first> to <last> passes these steps:
      """
      Given trip-booking services that keep their state in the store, with these stocks:
        | service  | stock |
        | flights  | 4     |
        | hotels   | 10    |
        | cars     | 10    |
        | payments | 300   |
      And 3 saga orchestrators, one of them active
      When 8 trips are booked at once, then 8 s of random partitions, crashes, pauses and message loss pass
      Then within 60 s every trip completed or was compensated, and nothing is half-done
      """

    Examples:
      | first | last |
      | 3301  | 3350  |
      | 3351  | 3400  |
