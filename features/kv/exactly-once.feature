@kv
Feature: A retried write takes effect once
  Clients retry when they hear nothing back. Each write carries the client's session
  and sequence number, so a retry of a write that already took effect is answered from
  the session instead of being applied again.

  Background:
    Given a running cluster of 3 nodes storing data in 1 shard with 3 replicas each

  @smoke
  Scenario: A compare-and-set retried after its replies were lost is applied once and reported as a success
    When replies to client "alice" are lost for the next 600 ms
    And client "alice" changes "balance" from "nothing" to "100"
    Then client "alice" is told it succeeded
    And client "alice"'s last request was sent more than once
    And client "bob" reads "100" from "balance"
