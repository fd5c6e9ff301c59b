@transactions @sagas
Feature: Sagas over the sharded store complete or compensate, and nothing is half-done
  The trip-booking services (flights, hotels, cars, payments) keep their state in the
  sharded store: each command is one transaction that commits the state change together
  with its idempotency record, through two-phase commit when they are on different
  shards. The saga log is a keyspace of the store, so it is replicated; three
  orchestrators run on nodes of their own, one active by a lease in the store, and a
  standby takes over when the active one's heartbeat stops for 1.5 s, resuming every
  unfinished trip from the log.

  A trip reserves a seat, a room and a car, then charges 100. A step that fails for good
  cancels itself (so an attempt whose answer was lost cannot apply later) and undoes the
  steps before it. With 4 seats and 300 of credit, 6 trips at once give 3 completed
  trips: 2 find no seat, and 1 finds no credit left and undoes its seat, room and car.

  Measured over the seeds below (simulated time): 6 trips at once settle in about 2 s;
  with a service's shard leaders crashing mid-step, in about 3 s; a standby takes over
  within 2 to 5 s of the active orchestrator's crash (the lease waits 1.5 s, and the dead
  orchestrator's last transactions hold their locks until the shards abort them, 3 s).
  Every bound below leaves room above those figures.

  @smoke
  Scenario: Concurrent trips compete for seats and credit; the losers undo what they did
    Given trip-booking services that keep their state in the store, with these stocks:
      | service  | stock |
      | flights  | 4     |
      | hotels   | 10    |
      | cars     | 10    |
      | payments | 300   |
    And 3 saga orchestrators, one of them active
    When 6 trips are booked at once
    Then within 20 s every trip completed or was compensated, and nothing is half-done
    And 3 trips completed and 3 were compensated

  Scenario Outline: The leaders of a service's shards crash mid-saga (seed <seed>)
    Given the simulation seed is <seed>
    And trip-booking services that keep their state in the store, with these stocks:
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

    Examples:
      | seed |
      | 1    |
      | 2    |
      | 3    |
      | 4    |
      | 5    |

  Scenario Outline: The active orchestrator crashes mid-saga and a standby resumes its trips (seed <seed>)
    Given the simulation seed is <seed>
    And trip-booking services that keep their state in the store, with these stocks:
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

    Examples:
      | seed |
      | 1    |
      | 2    |
      | 3    |
      | 4    |
      | 5    |

  Scenario Outline: A split brain: the old orchestrator reaches the services but not the store, and drives nothing (seed <seed>)
    Given the simulation seed is <seed>
    And trip-booking services that keep their state in the store, with these stocks:
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

    Examples:
      | seed |
      | 1    |
      | 2    |
      | 3    |
      | 4    |
      | 5    |

  Scenario Outline: Concurrent trips under random faults (seed <seed>)
    Given the simulation seed is <seed>
    And trip-booking services that keep their state in the store, with these stocks:
      | service  | stock |
      | flights  | 4     |
      | hotels   | 10    |
      | cars     | 10    |
      | payments | 300   |
    And 3 saga orchestrators, one of them active
    When 8 trips are booked at once, then 8 s of random partitions, crashes, pauses and message loss pass
    Then within 60 s every trip completed or was compensated, and nothing is half-done

    Examples:
      | seed |
      | 1    |
      | 2    |
      | 3    |
      | 4    |
      | 5    |

  Scenario Outline: A car rental whose answers never came arrives after the trip was undone, and takes nothing (seed <seed>)
    Given the simulation seed is <seed>
    And trip-booking services that keep their state in the store, with these stocks:
      | service  | stock |
      | flights  | 4     |
      | hotels   | 10    |
      | cars     | 10    |
      | payments | 300   |
    And 3 saga orchestrators, one of them active
    And the commands for step "rent car" reach the "cars" service 20 s late until an orchestrator gives up on the step
    And the active orchestrator crashes when a trip reaches step "rent car"
    When 1 trip is booked at once
    Then within 30 s every trip completed or was compensated, and nothing is half-done
    And 0 trips completed and 1 was compensated
    And once the late commands have arrived, within 40 s nothing is half-done

    Examples:
      | seed |
      | 1    |
      | 2    |
      | 3    |

  Scenario Outline: A step settled at its service after its answers were lost stays undone when its late copies arrive (seed <seed>)
    Given the simulation seed is <seed>
    And trip-booking services that keep their state in the store, with these stocks:
      | service  | stock |
      | flights  | 4     |
      | hotels   | 10    |
      | cars     | 10    |
      | payments | 300   |
    And trips settle a step that got no answer by asking its service to settle it, instead of cancelling it
    And 3 saga orchestrators, one of them active
    And the commands for step "rent car" reach the "cars" service 20 s late until an orchestrator gives up on the step
    And the active orchestrator crashes when a trip reaches step "rent car"
    When 1 trip is booked at once
    Then within 30 s every trip completed or was compensated, and nothing is half-done
    And 0 trips completed and 1 was compensated
    And once the late commands have arrived, within 40 s nothing is half-done

    Examples:
      | seed |
      | 1    |
      | 2    |
      | 3    |

  Scenario Outline: A trip whose step asks its service for a command it does not have (<command>) is told so, and is undone
    Given trip-booking services that keep their state in the store, with these stocks:
      | service  | stock |
      | flights  | 4     |
      | hotels   | 10    |
      | cars     | 10    |
      | payments | 300   |
    And the trips' step "rent car" sends its service the command "<command>"
    And 3 saga orchestrators, one of them active
    When 2 trips are booked at once
    Then within 20 s every trip completed or was compensated, and nothing is half-done
    And every trip was compensated because step "rent car" failed with "cars has no command <command>"

    Examples:
      | command     |
      | hire        |
      | constructor |
      | toString    |
