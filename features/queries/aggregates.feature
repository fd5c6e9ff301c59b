Feature: Aggregates across shards
  Orders are spread over four shards by customer. Aggregates are computed at every shard
  and merged, and each answer is checked against PostgreSQL holding the same rows.

  Background:
    Given a running cluster of 3 nodes storing data in 4 shards with 3 replicas each
    And a distributed table "orders" distributed by "customer_id" with columns:
      | column      | type | key |
      | order_id    | int  | yes |
      | customer_id | int  | yes |
      | region      | text |     |
      | amount      | int  |     |
      | paid        | bool |     |
    And the table "orders" holds these rows:
      | order_id | customer_id | region | amount | paid  |
      | 1        | 1           | eu     | 100    | true  |
      | 2        | 1           | eu     | 250    | false |
      | 3        | 2           | us     | 75     | true  |
      | 4        | 3           | us     | 300    | true  |
      | 5        | 4           | asia   | 20     | false |
      | 6        | 5           | eu     | 125    | true  |
      | 7        | 6           | asia   | NULL   | NULL  |
      | 8        | 7           | us     | 50     | true  |
      | 9        | 8           | eu     | 10     | false |
      | 10       | 9           | asia   | 400    | true  |

  Scenario: COUNT, SUM, AVG, MIN and MAX per group, across shards
    When this query is run:
      """
      SELECT region, COUNT(*) AS orders, COUNT(amount) AS priced, SUM(amount) AS total,
             AVG(amount) AS average, MIN(amount) AS smallest, MAX(amount) AS largest
      FROM orders
      GROUP BY region
      ORDER BY region
      """
    Then the result is:
      | region | orders | priced | total | average          | smallest | largest |
      | asia   | 3      | 2      | 420   | 210              | 20       | 400     |
      | eu     | 4      | 4      | 485   | 121.25           | 10       | 250     |
      | us     | 3      | 3      | 425   | 141.666666666667 | 50       | 300     |

  Scenario: An aggregate over every row, with a filter pushed down to the shards
    When this query is run:
      """
      SELECT COUNT(*), SUM(amount), AVG(amount), MIN(region), MAX(amount) FROM orders WHERE paid
      """
    Then the result is:
      | count | sum  | avg   | min  | max |
      | 6     | 1050 | 175   | asia | 400 |

  Scenario: An aggregate over no rows still returns one row
    When this query is run:
      """
      SELECT COUNT(*), SUM(amount), AVG(amount) FROM orders WHERE amount > 1000
      """
    Then the result is:
      | count | sum  | avg  |
      | 0     | NULL | NULL |

  Scenario: HAVING keeps the groups whose merged aggregates qualify
    When this query is run:
      """
      SELECT region, SUM(amount) FROM orders GROUP BY region HAVING COUNT(*) >= 3 AND SUM(amount) > 421 ORDER BY 2 DESC
      """
    Then the result is:
      | region | sum |
      | eu     | 485 |
      | us     | 425 |

  Scenario: HAVING with ORDER BY a group key and LIMIT judges each group on all its rows
    When this query is run:
      """
      SELECT region, COUNT(*) AS orders, SUM(amount) AS total FROM orders GROUP BY region HAVING COUNT(*) >= 4 ORDER BY region LIMIT 1
      """
    Then the result is:
      | region | orders | total |
      | eu     | 4      | 485   |

  Scenario: A GROUP BY on the distribution column runs whole at the shards
    When this query is run:
      """
      EXPLAIN ANALYZE SELECT customer_id, COUNT(*), SUM(amount) FROM orders GROUP BY customer_id HAVING SUM(amount) > 200 ORDER BY customer_id
      """
    Then the plan includes these lines:
      """
      Shards asked: 4 shards (scatter to every shard)
      group by customer_id and compute COUNT, SUM completely
      keep groups where SUM(amount) > 200
      merge the shards' sorted rows with a heap, by customer_id
      note: GROUP BY includes the distribution column customer_id, so all rows of a group live on one shard
      """
    When this query is run:
      """
      SELECT customer_id, COUNT(*), SUM(amount) FROM orders GROUP BY customer_id HAVING SUM(amount) > 200 ORDER BY customer_id
      """
    Then the result is:
      | customer_id | count | sum |
      | 1           | 2     | 350 |
      | 3           | 1     | 300 |
      | 9           | 1     | 400 |

  Scenario: Integer division truncates and NULLs group together, as in PostgreSQL
    When this query is run:
      """
      SELECT amount / 100 AS hundreds, COUNT(*) FROM orders GROUP BY amount / 100 ORDER BY hundreds NULLS FIRST
      """
    Then the result is:
      | hundreds | count |
      | NULL     | 1     |
      | 0        | 4     |
      | 1        | 2     |
      | 2        | 1     |
      | 3        | 1     |
      | 4        | 1     |
