@replication
Feature: Regions of many nodes forget deleted keys once every region has seen the delete
  Each region is a sharded Raft store of three nodes. A delete leaves a tombstone in the
  key's shard. The same shard in every region forgets the tombstone once every region has
  applied the delete and everything written before it, and writes only later timestamps
  from then on: nothing can arrive any more that the tombstone would have to beat. The
  decision is taken by the shard's leader and recorded in the region's own log, so every
  node of the shard forgets the same tombstones at the same point, and a new leader, a
  restarted node or a node that catches up from a copy of the shard forgets them too. A
  region that is cut off holds this back for everyone; once it has caught up, every region
  forgets the deleted keys, and nothing, not even a late copy sent before the delete,
  brings one back. Bounds: tombstones are forgotten within 5 s of the last region catching
  up (about one heartbeat, 250 ms, after it has applied the deletes).

  Background:
    Given each region is a cluster of 3 nodes with 2 shards
    And regions with these one-way latencies:
      | from    | to       | latency |
      | us-east | eu-west  | 80 ms   |
      | us-east | ap-south | 120 ms  |
      | eu-west | ap-south | 100 ms  |
    And keyspace "profiles" resolves conflicts by last-writer-wins

  Scenario: A region cut off holds the tombstones back, even across a leader crash; once it catches up every region forgets them
    Given 40 keys of "profiles" were written in us-east and reached every region
    And ap-south is cut off from the other regions
    When a client in us-east deletes the first 30 keys of "profiles"
    And a node leading shards in us-east crashes
    Then after 3 seconds us-east and eu-west still keep at least 30 tombstones
    When the network heals
    And the crashed nodes come back
    Then within 5 seconds no region keeps more than 0 tombstones
    And within 5 seconds no region holds "profiles/key-000007"
    And within 5 seconds every region holds the same data
    And within 5 seconds every change between regions took effect exactly once
    And every last-writer-wins key holds its latest acknowledged write

  @chaos
  Scenario Outline: Deletes while shard leaders crash, regions split and clocks drift are all forgotten afterwards (seed <seed>)
    Given the simulation seed is <seed>
    And keyspace "likes" resolves conflicts by PN-counter
    When every region takes 40 operations per second across all keyspaces
    And for 30 seconds the regions are split at random, their shard leaders crash and come back, and their clocks are skewed by up to 200 ms
    And the writes stop
    Then within 5 seconds no region keeps more than 0 tombstones
    And every region collected at least 1 tombstone
    And within 5 seconds every region holds the same data
    And within 5 seconds every change between regions took effect exactly once
    And no counter increment was lost
    And every last-writer-wins key holds its latest acknowledged write

    Examples:
      | seed |
      | 1    |
      | 2    |
      | 3    |
