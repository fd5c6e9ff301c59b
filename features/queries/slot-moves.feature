Feature: A query during a slot move counts every row once
  While the rebalancer splits a shard, moving half of its slots and their rows to a new
  shard, queries keep running. Each shard answers only for the slots it still serves and
  keeps the slots a running query reads until the query ends; a query that finds its slots
  gone plans again on the newer map. No row is counted twice or missed, before, during or
  after the move.

  Scenario Outline: Counts, sums and sorted rows stay the same while a shard splits (seed <seed>)
    Given the simulation seed is <seed>
    And a running cluster of 4 nodes storing data in 3 shards with 3 replicas each
    And a distributed table "orders" distributed by "id" with columns:
      | column | type | key |
      | id     | int  | yes |
      | amount | int  |     |
    And the table "orders" holds these rows:
      | id | amount |
      | 1  | 10     |
      | 2  | 20     |
      | 3  | 30     |
      | 4  | 40     |
      | 5  | 50     |
      | 6  | 60     |
      | 7  | 70     |
      | 8  | 80     |
      | 9  | 90     |
      | 10 | 100    |
      | 11 | 110    |
      | 12 | 120    |
    When the shard holding the "orders" rows where id = 1 splits in two while this query runs every 20 ms:
      """
      SELECT COUNT(*) AS orders, SUM(amount) AS total, MIN(id) AS first, MAX(id) AS last FROM orders
      """
    Then every run of the query returned:
      | orders | total | first | last |
      | 12     | 780   | 1     | 12   |
    And at least 3 runs of the query started while slots were moving

    Examples:
      | seed |
      | 1    |
      | 2    |
      | 3    |
      | 4    |
      | 5    |
