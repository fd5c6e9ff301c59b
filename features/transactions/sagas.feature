@transactions @sagas
Feature: Sagas complete, or undo what they did
  A saga books a trip in four steps, each a call to a service: reserve a seat, reserve a
  room, charge the card, issue the tickets. The first two have compensations that undo
  them. Charging the card is the pivot: once it succeeds the saga only goes forward, so
  the step after it is retried until it works. Each attempt has 500 ms to complete, and a
  retry waits 100 ms, then twice as long each time.

  The orchestrator logs every step durably before it runs it and after it completes, and
  every command carries an idempotency key, so a service applies each command once
  however often it arrives. Step handlers are sinon stubs: scenarios make them fail or
  hang, and check how often and in which order they ran.

  Background:
    Given a trip-booking saga of these steps:
      | step          | service  | does    | undone by | attempts | pivot |
      | reserve seat  | flights  | reserve | cancel    | 3        |       |
      | reserve room  | hotels   | reserve | cancel    | 3        |       |
      | charge card   | payments | charge  |           | 1        | pivot |
      | issue tickets | mail     | send    |           | 5        |       |

  @smoke
  Scenario: Every step succeeds
    When a trip is booked
    Then the saga completed
    And every step ran once, in order
    And no compensation ran
    And the services applied:
      | service  | applied |
      | flights  | reserve |
      | hotels   | reserve |
      | payments | charge  |
      | mail     | send    |

  Scenario: A service cannot settle a step that was sent to another service
    When another node overhears every request to a server and answers it in that server's place for 5 seconds
    And a trip is booked
    Then the saga completed
    And every step ran once, in order
    And no compensation ran
    And forged answers reached the clients, which ignored them

  Scenario: A failure at the third step undoes the second and then the first
    Given step "charge card" fails with "card declined"
    When a trip is booked
    Then the saga was compensated because step "charge card" failed with "card declined"
    And the compensations of steps "reserve room" and "reserve seat" ran once each, in that order
    And the services applied:
      | service  | applied         |
      | flights  | reserve, cancel |
      | hotels   | reserve, cancel |
      | payments |                 |
      | mail     |                 |

  Scenario: A retriable step fails twice, then succeeds after growing back-offs
    Given step "issue tickets" fails 2 times with "mail server busy"
    When a trip is booked
    Then the saga completed
    And step "issue tickets" was attempted 3 times, the retries 100 ms and then 200 ms apart
    And no compensation ran

  Scenario: A step that does not answer in time is retried, and applies once
    Given step "reserve room" does not answer the first time
    When a trip is booked
    Then the saga completed
    And step "reserve room" was attempted 2 times
    And the "hotels" service received "reserve" 1 time and applied it once

  Scenario: A compensation keeps failing, so the saga needs attention
    Given step "charge card" fails with "card declined"
    And the compensation of step "reserve room" keeps failing with "hotel system down"
    When a trip is booked
    Then the saga needs attention because the compensation of step "reserve room" failed with "hotel system down"
    And the compensation of step "reserve seat" ran once

  Scenario: The orchestrator crashes mid-saga and resumes from its log
    Given the orchestrator will crash just after step "reserve room" sends its command
    When a trip is booked
    And the orchestrator restarts
    Then the saga completed
    And step "reserve seat" was attempted 1 time
    And step "reserve room" was attempted 2 times
    And the "hotels" service received "reserve" 2 times and applied it once
    And no compensation ran

  Scenario: A duplicated command is applied once
    Given every command to the "payments" service is delivered twice
    When a trip is booked
    Then the saga completed
    And the "payments" service received "charge" 2 times and applied it once
