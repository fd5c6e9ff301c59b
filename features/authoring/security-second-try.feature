@authoring
Feature: Security and access control, written from the glossary alone (second try)

  Background:
    Given a running cluster of 5 nodes storing data in 3 shards with 3 replicas each
    And role "root" grants admin on every key
    And role "support" grants read-only on keys starting with "tickets/"
    And user "root" with password "pw-root" holds role "root"
    And user "sam" with password "pw-sam" holds role "support"
    And "root" turns authentication on

  Scenario: Support staff can read tickets but not change them
    When user "root" writes "open" to "tickets/42"
    Then user "root" succeeds
    When user "sam" reads "tickets/42"
    Then user "sam" succeeds
    When user "sam" writes "closed" to "tickets/42"
    Then user "sam" is refused to write, lacking 'read-write on key "tickets/42"'
    And user "root" reads "open" from "tickets/42"
    And every refusal is in the audit log

  Scenario: A guessed password is refused and changes nothing
    When user "root" writes "open" to "tickets/7"
    And user "root" writes "hacked" to "tickets/7" with password "letmein"
    Then user "root" is refused to write, lacking 'a valid user name and password'
    And user "root" reads "open" from "tickets/7"
    And every refusal is in the audit log

  Scenario: Only an admin may split a shard
    When user "sam" tries to split the shard holding "tickets/42"
    Then user "sam" is refused to perform, lacking 'admin on every key'
    And the shard map stays as it was for 2 seconds
    When user "root" tries to split the shard holding "tickets/42"
    Then within 30 seconds the requested moves are done
    And every refusal is in the audit log

  Scenario: An analyst cannot query a table she was not granted
    Given a distributed table "salaries" distributed by "id" with columns:
      | column | type | key |
      | id     | int  | yes |
      | pay    | int  |     |
    And role "analyst" grants read-only on table "orders"
    And user "ana" with password "pw-ana" holds role "analyst"
    When user "ana" runs this query:
      """
      SELECT SUM(pay) AS total FROM salaries
      """
    Then user "ana" is refused to read, lacking 'read-only on table "salaries"'
    And within 2 seconds no shard holds anything for a query
