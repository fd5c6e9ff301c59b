@replication
Feature: Anti-entropy repairs a region after a long partition
  Each region keeps a bounded backlog of changes for every other region (like a hint
  window). A region cut off for longer than that cannot be caught up from the backlog.
  When it returns, it compares Merkle trees over key ranges with the region that gave up
  on it, descends only into the ranges that differ, and exchanges only the keys whose
  states differ.

  Scenario: A region cut off beyond its backlog is repaired by exchanging only the keys that differ
    Given regions with these one-way latencies:
      | from    | to      | latency |
      | us-east | eu-west | 80 ms   |
    And keyspace "catalog" resolves conflicts by last-writer-wins
    And each region keeps at most 100 unreplicated changes for another region
    And 2000 keys of "catalog" were written in us-east and reached every region
    When eu-west is cut off from the other regions
    And clients in us-east update 300 keys of "catalog"
    And the network heals
    Then within 3 seconds every region holds the same data
    And anti-entropy exchanged at most 2 key states per differing key
    And anti-entropy compared no more than 10% of the key ranges

  Scenario: Keys changed on both sides while cut off end the same in both regions after the repair
    Given regions with these one-way latencies:
      | from    | to      | latency |
      | us-east | eu-west | 80 ms   |
    And keyspace "catalog" resolves conflicts by last-writer-wins
    And each region keeps at most 100 unreplicated changes for another region
    And 2000 keys of "catalog" were written in us-east and reached every region
    When eu-west is cut off from the other regions
    And clients in us-east update 300 keys of "catalog"
    And clients in eu-west update 300 keys of "catalog"
    And the network heals
    Then within 3 seconds every region holds the same data
    And anti-entropy exchanged at most 2 key states per differing key
