@security
Feature: A query over a forbidden table is refused
  Queries run as a user. Every table a query reads needs read access on that table, granted
  on the table itself; a grant on a table covers the rows where the store really keeps them.
  A query over a table the user may not read is refused before it runs, names the user, the
  table and the missing permission, changes nothing and is written to the audit log.

  Background:
    Given a running cluster of 3 nodes storing data in 2 shards with 3 replicas each
    And a distributed table "orders" distributed by "id" with columns:
      | column | type | key |
      | id     | int  | yes |
      | amount | int  |     |
    And a distributed table "salaries" distributed by "id" with columns:
      | column | type | key |
      | id     | int  | yes |
      | pay    | int  |     |
    And the table "orders" holds these rows:
      | id | amount |
      | 1  | 10     |
      | 2  | 20     |
      | 3  | 30     |
    And the table "salaries" holds these rows:
      | id | pay  |
      | 1  | 5000 |
      | 2  | 7000 |
    And role "root" grants admin on every key
    And role "analyst" grants read-only on table "orders"
    And user "root" with password "pw-root" holds role "root"
    And user "dan" with password "pw-dan" holds role "analyst"
    And "root" turns authentication on

  Scenario: An analyst may query the table granted, and is refused a query that also reads another
    When user "dan" runs this query:
      """
      SELECT COUNT(*) AS orders, SUM(amount) AS total FROM orders
      """
    Then user "dan" succeeds
    And the result is:
      | orders | total |
      | 3      | 60    |
    When user "dan" runs this query:
      """
      SELECT o.id, s.pay FROM orders o JOIN salaries s ON o.id = s.id
      """
    Then user "dan" is refused to read, lacking 'read-only on table "salaries"'
    And within 2 seconds no shard holds anything for a query
    And every refusal is in the audit log
    When user "root" runs this query:
      """
      SELECT SUM(pay) AS payroll FROM salaries
      """
    Then user "root" succeeds
    And the result is:
      | payroll |
      | 12000   |
