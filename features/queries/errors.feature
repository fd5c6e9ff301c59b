Feature: Bad queries get clear errors
  A query with a syntax error says where and what was expected; an unknown table or
  column is named; anything outside the supported SQL is refused by name. Nothing crashes
  and nothing is left half done.

  Background:
    Given a running cluster of 3 nodes storing data in 2 shards with 3 replicas each
    And a distributed table "orders" distributed by "customer_id" with columns:
      | column      | type | key |
      | order_id    | int  | yes |
      | customer_id | int  | yes |
      | note        | text |     |

  Scenario Outline: <problem>
    When this query is run:
      """
      <query>
      """
    Then the query fails with an error containing '<message>'

    Examples:
      | problem                               | query                                                                        | message                                                      |
      | a syntax error                        | SELECT order_id, FROM orders                                                 | syntax error at line 1, column 18: found "FROM" but expected |
      | a query cut short                     | SELECT * FROM orders WHERE                                                   | the query ends too early, after "WHERE"                      |
      | an unknown table                      | SELECT * FROM invoices                                                       | table "invoices" does not exist (tables: orders)             |
      | an unknown column                     | SELECT total FROM orders                                                     | column "total" does not exist at line 1, column 8            |
      | a window function                     | SELECT SUM(order_id) OVER () FROM orders                                     | window functions are not supported                           |
      | a subquery                            | SELECT * FROM orders WHERE order_id IN (SELECT 1)                            | subqueries are not supported                                 |
      | an outer join                         | SELECT * FROM orders a LEFT JOIN orders b ON a.order_id = b.order_id         | LEFT JOIN is not supported                                   |
      | DISTINCT                              | SELECT DISTINCT note FROM orders                                             | SELECT DISTINCT is not supported                             |
      | a type mismatch                       | SELECT * FROM orders WHERE note > 3                                          | operator does not exist: text > integer                      |
      | a column not grouped                  | SELECT note, COUNT(*) FROM orders GROUP BY customer_id                       | column "note" must appear in the GROUP BY clause             |
      | two statements                        | SELECT 1 FROM orders; SELECT 2 FROM orders                                   | one statement at a time                                      |
      | a write                               | DELETE FROM orders                                                           | DELETE is not supported                                      |
      | an unsupported function               | SELECT upper(note) FROM orders                                               | function upper() is not supported                            |
      | an ambiguous column                   | SELECT order_id FROM orders a JOIN orders b ON a.customer_id = b.customer_id | column reference "order_id" is ambiguous                     |
      | a sum of text                         | SELECT SUM(note) FROM orders                                                 | function sum(text) does not exist                            |
      | an average of text per group          | SELECT customer_id, AVG(note) FROM orders GROUP BY customer_id               | function avg(text) does not exist                            |
      | a condition that is not true or false | SELECT * FROM orders WHERE note                                              | argument of WHERE must be type boolean, not type text        |

  Scenario: A query that divides by zero fails like PostgreSQL and leaves no lock behind
    Given the table "orders" holds these rows:
      | order_id | customer_id | note |
      | 1        | 1           | a    |
    When this query is run:
      """
      SELECT order_id / (customer_id - 1) FROM orders
      """
    Then the query fails with an error containing "division by zero"
    And within 2 seconds no transaction holds locks anywhere
