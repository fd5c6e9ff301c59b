@transactions @sagas @chaos
Feature: Sagas under chaos
  Forty trips are booked over 20 simulated seconds while a random fault schedule drawn
  from the scenario's seed crashes, pauses and cuts off the saga orchestrator and the
  services, and loses and duplicates their messages. Then everything heals. Every saga
  must end, and what each service really applied must match what each saga's durable log
  says: a step stands exactly when the log says it completed and was not undone, and no
  command takes effect twice, even when an answer was lost. How many bookings complete
  depends on the fault schedule (a step gives up while its service is cut off); a booking
  made once everything healed must complete.

  Scenario Outline: Trip bookings under a random fault schedule, seed <seed>
    Given the simulation seed is <seed>
    And a trip-booking saga of these steps:
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
    And within 30 seconds the orchestrator remembers no request of a saga that ended

    Examples:
      | seed |
      | 1    |
      | 2    |
      | 3    |
      | 4    |
      | 5    |
