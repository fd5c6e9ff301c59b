@kv
Feature: A deposed shard leader does not answer a read with an overwritten value
  A shard's leader confirms with a majority of its replicas that it still leads before it
  answers a read (ReadIndex). One that froze while cut off from the others, and comes back
  still believing it leads, cannot get that confirmation: a client that goes back to it
  is sent on, and reads the value the new leader has since written.

  Scenario: A client that goes back to a frozen, cut-off leader reads the newer value
    Given a running cluster of 3 nodes storing data in 1 shard with 3 replicas each
    When client "carol" writes "old" to "colour"
    And the leader of the shard holding "colour" freezes, cut off from the other replicas of its shard
    And client "bob" writes "new" to "colour"
    And the frozen leader of the shard holding "colour" resumes, still cut off from the other replicas
    Then client "carol" reads "new" from "colour"
