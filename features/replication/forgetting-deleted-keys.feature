@replication
Feature: Regions forget deleted keys once every region has seen the delete
  A delete leaves a tombstone, so that an older write arriving late cannot bring the key
  back. A region forgets a tombstone once every region has applied the delete and
  everything written before it, and every region writes only later timestamps from then
  on: nothing can arrive any more that the tombstone would have to beat. A region that is
  cut off holds this back for everyone; once it has caught up, every region forgets the
  deleted keys, and nothing, not even anti-entropy, brings them back.

  Regions of one node each here; under the replicated-regions profile, regions of three
  nodes (see also forgetting-deleted-keys-in-replicated-regions.feature).

  Background:
    Given regions with these one-way latencies:
      | from    | to       | latency |
      | us-east | eu-west  | 80 ms   |
      | us-east | ap-south | 120 ms  |
      | eu-west | ap-south | 100 ms  |
    And keyspace "profiles" resolves conflicts by last-writer-wins

  Scenario: A region cut off holds the tombstones back; once it catches up every region forgets them
    Given 40 keys of "profiles" were written in us-east and reached every region
    And ap-south is cut off from the other regions
    When a client in us-east deletes the first 30 keys of "profiles"
    Then after 3 seconds us-east and eu-west still keep at least 30 tombstones
    When the network heals
    Then within 5 seconds no region keeps more than 0 tombstones
    And within 5 seconds no region holds "profiles/key-000007"
    And within 5 seconds every region holds the same data
    And every last-writer-wins key holds its latest acknowledged write

  Scenario: A region repairing a backlog it missed holds the tombstones back until the repair brings it the deletes
    Given keyspace "catalog" resolves conflicts by last-writer-wins
    And each region keeps at most 100 unreplicated changes for another region
    And 40 keys of "profiles" were written in us-east and reached every region
    And ap-south is cut off from the other regions
    When a client in us-east deletes the first 30 keys of "profiles"
    And clients in us-east update 150 keys of "catalog"
    And the network heals
    Then within 5 seconds no region keeps more than 0 tombstones
    And within 5 seconds no region holds "profiles/key-000007"
    And within 5 seconds every region holds the same data
    And every last-writer-wins key holds its latest acknowledged write

  @chaos
  Scenario Outline: Deletes under random partitions and clock skew are all forgotten afterwards (seed <seed>)
    Given the simulation seed is <seed>
    And keyspace "likes" resolves conflicts by PN-counter
    When every region takes 40 operations per second across all keyspaces
    And for 30 seconds the regions are split at random and their clocks skewed by up to 200 ms
    And the writes stop
    Then within 5 seconds no region keeps more than 0 tombstones
    And every region collected at least 1 tombstone
    And within 5 seconds every region holds the same data
    And no counter increment was lost
    And every last-writer-wins key holds its latest acknowledged write

    Examples:
      | seed |
      | 1    |
      | 2    |
      | 3    |
