@authoring
Feature: Transaction scenarios written from the glossary alone

  Scenario: A simple transfer between two shards
    Given these accounts, each on a different shard:
      | account | balance |
      | alice   | 100     |
      | bob     | 50      |
    When client "c1" transfers 30 from "alice" to "bob"
    Then client "c1"'s transaction committed
    And the balances are:
      | account | balance |
      | alice   | 70      |
      | bob     | 80      |

  Scenario: A refused change aborts the transfer
    Given a running cluster of 3 nodes storing data in 2 shards with 3 replicas each
    And these accounts, each on a different shard:
      | account | balance |
      | alice   | 100     |
      | bob     | 50      |
    And the shard holding "bob" will refuse every change because "frozen account"
    When client "c1" transfers 30 from "alice" to "bob"
    Then client "c1"'s transaction was aborted because "frozen account"
    And within 5 seconds client "c1" learns that its transaction aborted

  Scenario: The bank keeps its total under crashes
    Given a running cluster of 5 nodes storing data in 3 shards with 3 replicas each
    And 6 bank accounts holding 50 each, spread over every shard
    And 3 tellers transferring money between them and auditing the total
    When the bank runs for 5 seconds under random crashes
    Then the total balance is still 300
    And within 10 seconds no transaction holds locks and every outcome is known

  Scenario: A saga whose second step fails is compensated
    Given a trip-booking saga of these steps:
      | step   | service | does        | undone by     |
      | flight | flights | book-flight | cancel-flight |
      | hotel  | hotels  | book-hotel  | cancel-hotel  |
    And step "hotel" fails with "no rooms"
    When a trip is booked
    Then the saga was compensated because step "hotel" failed with "no rooms"
    And the compensation of step "flight" ran once
