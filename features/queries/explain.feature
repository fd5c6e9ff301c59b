Feature: EXPLAIN shows how a query is spread over the shards
  EXPLAIN prints the plan: which shards are asked and why, what each shard does, and how
  the coordinator merges the answers. EXPLAIN ANALYZE runs the query and adds, per shard,
  the rows and bytes it sent and how long it took.

  Background:
    Given a running cluster of 3 nodes storing data in 4 shards with 3 replicas each
    And a distributed table "orders" distributed by "customer_id" with columns:
      | column      | type | key |
      | order_id    | int  | yes |
      | customer_id | int  | yes |
      | amount      | int  |     |
    And the table "orders" holds 200 rows generated from seed 7

  Scenario: A point query goes to the one shard that owns the customer's slot
    When this query is run:
      """
      EXPLAIN SELECT order_id, amount FROM orders WHERE customer_id = 7
      """
    Then the plan includes these lines:
      """
      Shards asked: 1 shard (router plan: one shard): shard-4
      why: customer_id = 7 puts every matching row in slot 802 on shard-4
      keep rows where customer_id = 7
      compute order_id, amount (only 2 values per row travel, not whole rows)
      append the shards' rows
      """

  Scenario: An IN list goes to the shards of its values only
    When this query is run:
      """
      EXPLAIN SELECT order_id FROM orders WHERE customer_id IN (7, 12)
      """
    Then the plan includes these lines:
      """
      Shards asked: 2 shards (pruned): shard-1, shard-4
      why: customer_id IN (7, 12) puts every matching row in slot 802 on shard-4; slot 188 on shard-1
      """

  Scenario: An unfiltered aggregate asks every shard and merges partial aggregates
    When this query is run:
      """
      EXPLAIN SELECT COUNT(*), AVG(amount) FROM orders
      """
    Then the plan includes these lines:
      """
      Shards asked: 4 shards (scatter to every shard): shard-1, shard-2, shard-3, shard-4
      why: no condition pins customer_id to a few values, so every shard may hold matching rows
      compute partial aggregates: COUNT, AVG as SUM and COUNT
      send one row per group: its keys and partial aggregates
      Coordinator (merges the answers):
      combine each group's partial aggregates (COUNT: add, AVG: total SUM / total COUNT)
      """

  Scenario: EXPLAIN ANALYZE adds what every shard sent and how long it took
    When this query is run:
      """
      EXPLAIN ANALYZE SELECT COUNT(*), SUM(amount) FROM orders
      """
    Then the plan includes these lines:
      """
      measured per shard:
      shard-1 (leader
      sent 1 row,
      shard-4 (leader
      Totals: 4 rows and 48 bytes moved from 4 shards; 1 row returned
      the slowest shard took
      """
    And the query asked 4 shards and received 4 rows from them

  Scenario: Ordering by an aggregate with a LIMIT says why shards cannot cut their own lists
    When this query is run:
      """
      EXPLAIN SELECT customer_id % 10 AS bucket, SUM(amount) AS total FROM orders GROUP BY customer_id % 10 ORDER BY total DESC LIMIT 3
      """
    Then the plan includes these lines:
      """
      group by customer_id % 10 and compute partial aggregates: SUM
      sort by total DESC
      keep 3 rows
      note: ORDER BY total DESC needs every group's complete aggregates, which no single shard has; so shards send all their groups
      """
