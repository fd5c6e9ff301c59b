@security
Feature: Revoking a role takes effect for requests committed after the revocation
  A write is judged at its own place in its shard's log, a read after the read barrier it
  passes. So a revocation refuses every write whose log entry comes after the revocation's
  entry in that shard, and every read that arrives once the revocation is applied. The
  revocation is done when every shard has applied it (bound: 5 seconds, one commit per
  shard); from then on every request of the user is refused.

  Scenario: A role revoked while its user keeps writing
    Given a running cluster of 3 nodes storing data in 2 shards with 3 replicas each
    And role "root" grants admin on every key
    And role "teller" grants read-write on keys starting with "accounts/"
    And user "root" with password "pw-root" holds role "root"
    And user "alice" with password "pw-alice" holds role "teller"
    And "root" turns authentication on
    When user "alice" keeps writing keys starting with "accounts/log"
    And 1 second passes
    And "root" revokes role "teller" from "alice"
    And 1 second passes
    Then every write of user "alice" that started after the revocation was refused
    And every refusal is in the audit log

  Scenario Outline: A role revoked while its user keeps writing, under message loss (seed <seed>)
    Given the simulation seed is <seed>
    And a running cluster of 3 nodes storing data in 3 shards with 3 replicas each
    And role "root" grants admin on every key
    And role "teller" grants read-write on keys starting with "accounts/"
    And user "root" with password "pw-root" holds role "root"
    And user "alice" with password "pw-alice" holds role "teller"
    And "root" turns authentication on
    And 5% of messages are lost
    When user "alice" keeps writing keys starting with "accounts/log"
    And 1 second passes
    And "root" revokes role "teller" from "alice"
    And 2 seconds pass
    Then every write of user "alice" that started after the revocation was refused
    And every refusal is in the audit log

    Examples:
      | seed |
      | 1    |
      | 2    |
      | 3    |
