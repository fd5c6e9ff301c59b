@replication
Feature: A failed region does not stop the others, and catches up when it returns
  Each region serves its clients on its own. While one region is down the others go on
  taking reads and writes; when it returns, each region resends what it has not
  acknowledged, and the returning region sends what it took before it failed: every
  write is synced to disk before its client is told it succeeded.

  Background:
    Given regions with these one-way latencies:
      | from    | to       | latency |
      | us-east | eu-west  | 80 ms   |
      | us-east | ap-south | 120 ms  |
      | eu-west | ap-south | 100 ms  |
    And keyspace "orders" resolves conflicts by last-writer-wins
    And keyspace "stock" resolves conflicts by PN-counter

  Scenario: The other regions keep serving reads and writes while one region is down
    When the eu-west region fails
    And a client in us-east writes "orders/1001" = "paid"
    And a client in ap-south increments "stock/widget" by 4
    Then within 200 ms us-east and ap-south read "orders/1001" as "paid"
    And within 200 ms us-east and ap-south read "stock/widget" as "4"
    When a client in eu-west tries to write "orders/1002" = "new"
    Then the write fails because eu-west is unavailable
    When 3 seconds pass
    And the eu-west region comes back
    Then within 2 seconds every region reads "orders/1001" as "paid"
    And within 2 seconds every region reads "stock/widget" as "4"

  Scenario: A write a region acknowledged just before it failed reaches the others when it returns
    Given eu-west is cut off from the other regions
    When a client in eu-west writes "orders/77" = "refund"
    And the eu-west region fails
    And the network heals
    And 2 seconds pass
    Then us-east and ap-south do not hold "orders/77"
    When the eu-west region comes back
    Then within 2 seconds every region reads "orders/77" as "refund"
