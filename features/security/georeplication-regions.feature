@security @replication
Feature: In regions that are themselves replicated, the role table changes through each region's Raft log
  Each region is a sharded Raft store of three nodes. Its copy of the role table is part of
  every shard's replicated state and changes only through the shard's log, so every replica
  of a shard makes the same decision: a write is judged at its own place in its shard's log
  (a revocation committed before it applies), a read after the read barrier it passes. A
  revocation is done when every shard of every region has applied it (within 5 s here).

  Background:
    Given each region is a cluster of 3 nodes with 2 shards
    And regions with these one-way latencies:
      | from    | to       | latency |
      | us-east | eu-west  | 80 ms   |
      | us-east | ap-south | 120 ms  |
      | eu-west | ap-south | 100 ms  |
    And keyspace "profiles" resolves conflicts by last-writer-wins
    And role "root" grants admin on every key
    And role "editor" grants read-write on georeplicated keyspace "profiles"
    And role "viewer" grants read-only on georeplicated keyspace "profiles"
    And user "root" with password "pw-root" holds role "root"
    And user "alice" with password "pw-alice" holds role "editor"
    And user "carol" with password "pw-carol" holds role "viewer"
    And role "newsreader" grants read-only on georeplicated keyspace "news"
    And user "bob" with password "pw-bob" holds role "newsreader"
    And "root" turns authentication on
    And user "alice" writes "profiles/ann" = "v1" in us-east
    And within 1 second every region reads "profiles/ann" as "v1"

  Scenario: A read-only user's write is refused by the region's shard and changes nothing anywhere
    When user "carol" reads "profiles/ann" in ap-south
    Then user "carol" succeeds
    When user "carol" writes "profiles/ann" = "v2" in eu-west
    Then user "carol" is refused to write, lacking 'read-write on georeplicated keyspace "profiles"'
    And every region keeps reading "profiles/ann" as "v1" for 1 second
    And every refusal is in the audit log

  Scenario: A user without access is refused a read after the shard leader's read barrier
    When user "bob" reads "profiles/ann" in eu-west
    Then user "bob" is refused to read, lacking 'read-only on georeplicated keyspace "profiles"'
    And every refusal is in the audit log

  Scenario: A role revoked while its user keeps writing in every region, under message loss
    Given 5% of messages are lost
    When user "alice" keeps writing keys starting with "profiles/log"
    And 1 second passes
    And "root" revokes role "editor" from "alice"
    And 2 seconds pass
    Then every write of user "alice" that started after the revocation was refused
    And every refusal is in the audit log
