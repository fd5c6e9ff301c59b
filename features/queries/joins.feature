Feature: Joins that run at the shards
  Tables distributed by the same kind of value keep rows with equal values on the same
  shard, so a join on the distribution columns runs at every shard on its own. A reference
  table has a copy on every shard, so any table can join with it there. Other joins are
  refused with the reason.

  Background:
    Given a running cluster of 3 nodes storing data in 4 shards with 3 replicas each
    And a distributed table "customers" distributed by "customer_id" with columns:
      | column      | type | key |
      | customer_id | int  | yes |
      | name        | text |     |
      | country     | text |     |
    And a distributed table "orders" distributed by "customer_id" with columns:
      | column      | type | key |
      | order_id    | int  | yes |
      | customer_id | int  | yes |
      | amount      | int  |     |
    And a reference table "countries" with columns:
      | column  | type | key |
      | code    | text | yes |
      | name    | text |     |
      | vat     | int  |     |
    And the table "customers" holds these rows:
      | customer_id | name  | country |
      | 1           | Alba  | es      |
      | 2           | Bruno | it      |
      | 3           | Chloe | fr      |
      | 4           | Dara  | ie      |
      | 5           | Emil  | de      |
    And the table "orders" holds these rows:
      | order_id | customer_id | amount |
      | 10       | 1           | 120    |
      | 11       | 1           | 80     |
      | 12       | 2           | 200    |
      | 13       | 3           | 50     |
      | 14       | 5           | 75     |
      | 15       | 6           | 999    |
    And the table "countries" holds these rows:
      | code | name    | vat |
      | es   | Spain   | 21  |
      | it   | Italy   | 22  |
      | fr   | France  | 20  |
      | de   | Germany | 19  |

  Scenario: A co-located join on the distribution column runs per shard
    When this query is run:
      """
      SELECT c.name, COUNT(*) AS orders, SUM(o.amount) AS spent
      FROM customers c JOIN orders o ON o.customer_id = c.customer_id
      GROUP BY c.name ORDER BY spent DESC, c.name
      """
    Then the result is:
      | name  | orders | spent |
      | Alba  | 2      | 200   |
      | Bruno | 1      | 200   |
      | Emil  | 1      | 75    |
      | Chloe | 1      | 50    |

  Scenario: A join with a reference table runs at the shards with their local copy
    When this query is run:
      """
      SELECT k.name AS country, COUNT(*) AS customers FROM customers c JOIN countries k ON k.code = c.country GROUP BY k.name ORDER BY k.name
      """
    Then the result is:
      | country | customers |
      | France  | 1         |
      | Germany | 1         |
      | Italy   | 1         |
      | Spain   | 1         |
    When this query is run:
      """
      EXPLAIN SELECT c.name, k.vat FROM customers c JOIN countries k ON k.code = c.country WHERE c.customer_id = 3
      """
    Then the plan includes these lines:
      """
      Shards asked: 1 shard (router plan: one shard)
      join ON k.code = c.country (join with the local copy of the reference table)
      """

  Scenario: Without pushdown the coordinator joins with one copy of the reference table
    When this query is run:
      """
      SELECT k.name AS country, COUNT(*) AS customers FROM customers c JOIN countries k ON k.code = c.country GROUP BY k.name ORDER BY k.name
      """
    And the same query is run without pushdown
    Then the result is:
      | country | customers |
      | France  | 1         |
      | Germany | 1         |
      | Italy   | 1         |
      | Spain   | 1         |

  Scenario: A join on the distribution column pruned to one customer
    When this query is run:
      """
      SELECT o.order_id, o.amount, c.name FROM orders o JOIN customers c ON c.customer_id = o.customer_id WHERE o.customer_id = 1 ORDER BY o.order_id
      """
    Then the result is:
      | order_id | amount | name |
      | 10       | 120    | Alba |
      | 11       | 80     | Alba |
    And the query asked 1 shard and received 2 rows from them

  Scenario: A join of two distributed tables on other columns is refused
    When this query is run:
      """
      SELECT c.name, o.order_id FROM customers c JOIN orders o ON o.amount = c.customer_id
      """
    Then the query fails with an error containing "can only be joined on their distribution columns (c.customer_id = o.customer_id)"
