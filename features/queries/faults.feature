Feature: Queries when shards fail
  A query needs an answer from every shard it asks. When a shard's leader is cut off, the
  query finds the new leader after the election; when a shard cannot answer at all, the
  query fails with an error naming that shard. It never returns part of the answer.

  Background:
    Given a running cluster of 3 nodes storing data in 4 shards with 3 replicas each
    And a distributed table "orders" distributed by "customer_id" with columns:
      | column      | type | key |
      | order_id    | int  | yes |
      | customer_id | int  | yes |
      | amount      | int  |     |
    And the table "orders" holds 200 rows generated from seed 3

  Scenario: A query succeeds after its shard's leader is cut off and another is elected
    When the leader of the shard holding the "orders" rows where customer_id = 7 is cut off from the others
    And this query is run:
      """
      SELECT COUNT(*), SUM(amount) FROM orders
      """
    Then the result has 1 row
    And the shard holding the "orders" rows where customer_id = 7 answered from its new leader

  Scenario: A shard that cannot answer fails the query and is named
    When the shard holding the "orders" rows where customer_id = 7 loses a majority of its replicas
    And this query is run:
      """
      SELECT COUNT(*) FROM orders
      """
    Then the query fails naming the shard holding the "orders" rows where customer_id = 7

  Scenario: A server that answers in another shard's place neither fails a query nor changes its answer
    When another node overhears every request to a server and answers it in that server's place for 5 seconds
    And this query is run:
      """
      SELECT COUNT(*), SUM(amount) FROM orders
      """
    Then the result has 1 row
    And forged answers reached the clients, which ignored them

  Scenario: A process that was never admitted can neither hand a query rows nor run code in its client
    When a process that was never admitted answers the clients in the servers' place with "999" for 5 seconds
    And this query is run:
      """
      SELECT COUNT(*), SUM(amount) FROM orders
      """
    And 200 ms pass
    Then the result has 1 row
    And the code hidden in the intruder's messages never ran
    And forged answers reached the clients, which ignored them
