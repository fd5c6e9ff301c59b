@authoring
Feature: Queries during slot moves, written from the glossary alone (second try)

  Background:
    Given a running cluster of 4 nodes storing data in 3 shards with 3 replicas each
    And a distributed table "invoices" distributed by "id" with columns:
      | column   | type | key |
      | id       | int  | yes |
      | customer | text |     |
      | amount   | int  |     |
    And the table "invoices" holds these rows:
      | id | customer | amount |
      | 1  | acme     | 500    |
      | 2  | acme     | 120    |
      | 3  | globex   | 80     |
      | 4  | globex   | 200    |
      | 5  | initech  | 60     |
      | 6  | initech  | 40     |
      | 7  | umbrella | 300    |
      | 8  | umbrella | 100    |

  Scenario: The revenue report stays right while a shard splits
    When the shard holding the "invoices" rows where id = 2 splits in two while this query runs every 50 ms:
      """
      SELECT COUNT(*) AS invoices, SUM(amount) AS revenue FROM invoices
      """
    Then every run of the query returned:
      | invoices | revenue |
      | 8        | 1400    |
    And at least 2 runs of the query started while slots were moving

  Scenario: A reporting client with an old shard map is turned away, never answered wrongly
    Given a second query client that keeps the shard map it has now until a shard turns it away
    When the shard holding the "invoices" rows where id = 5 splits in two while every query client runs this query every 20 ms:
      """
      SELECT COUNT(*) AS invoices, SUM(amount) AS revenue FROM invoices
      """
    Then every run of the query returned:
      | invoices | revenue |
      | 8        | 1400    |
    And the query client with the old shard map was turned away at least 1 time
    And the split took at most 10 s

  Scenario: Payments moving between invoices during a split never change the total
    When the shard holding the "invoices" rows where id = 3 splits in two while a client moves 10 of "amount" from the row where id = 1 to the row where id = 6 every 100 ms, and every query client runs this query every 20 ms:
      """
      SELECT SUM(amount) AS revenue FROM invoices
      """
    Then every run of the query returned:
      | revenue |
      | 1400    |
    And at least 1 of the client's row-to-row moves began while slots were moving
