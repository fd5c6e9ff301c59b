@replication
Feature: Regions that are themselves replicated lose no change when their own nodes fail
  Each region is a sharded Raft store of three nodes, one per zone: an update is
  acknowledged once a majority of its region's nodes hold it, and every shard streams its
  changes to the same shard in the other regions. Where each region is one node, a crash
  takes the region down; here the region goes on when a minority of its nodes fail, a new
  leader takes over each stream where the old one left it (the streams' positions are
  part of the replicated state), and the receiving regions apply each change exactly once
  (by origin and sequence number), whatever was in flight when a leader crashed. Bounds:
  a new shard leader within about 300 ms; after the faults, every region holds the same
  data within 5 s of the traffic stopping (about 1 s when this was written).

  Background:
    Given each region is a cluster of 3 nodes with 2 shards
    And regions with these one-way latencies:
      | from    | to       | latency |
      | us-east | eu-west  | 80 ms   |
      | us-east | ap-south | 120 ms  |
      | eu-west | ap-south | 100 ms  |
    And keyspace "likes" resolves conflicts by PN-counter
    And keyspace "profiles" resolves conflicts by last-writer-wins
    And keyspace "carts" resolves conflicts by multi-value
    And keyspace "tags" resolves conflicts by add-wins OR-set

  Scenario: A write is acknowledged only once a majority of its region holds it
    The node serving the key is cut off from the rest of its region, so it cannot gather a
    majority: the write is acknowledged only after the others have elected a new leader
    and committed it there. The cut-off node then crashes, and nothing acknowledged is lost.
    Given a client in us-east writes "profiles/ann" = "v1"
    And within 1 second every region reads "profiles/ann" as "v1"
    When the node serving "profiles/ann" in us-east is cut off from the rest of its region
    And a client in us-east writes "profiles/ann" = "v2"
    And the node that was cut off crashes
    And the network heals
    Then within 2 seconds every region reads "profiles/ann" as "v2"
    And every region holds the write with the later timestamp for "profiles/ann"

  Scenario: A shard leader that crashes while streaming loses no change and delivers none twice
    When every region takes 40 operations per second across all keyspaces
    And 1 second passes
    And a node leading shards in us-east crashes
    And 500 ms pass
    And a node leading shards in eu-west crashes
    And 2 seconds pass
    And the crashed nodes come back
    And 1 second passes
    And the writes stop
    Then within 5 seconds every region holds the same data
    And within 5 seconds every change between regions took effect exactly once
    And no counter increment was lost
    And every last-writer-wins key holds its latest acknowledged write

  Scenario: A region that loses a minority of its nodes keeps serving and replicating
    When 1 node of eu-west fails
    And a client in eu-west writes "profiles/bo" = "written with a node down"
    And a client in eu-west increments "likes/post-9" by 4
    Then within 1 second every region reads "profiles/bo" as "written with a node down"
    And within 1 second every region reads "likes/post-9" as "4"
    When every region takes 40 operations per second across all keyspaces
    And 3 seconds pass
    And the crashed nodes come back
    And 1 second passes
    And the writes stop
    Then within 5 seconds every region holds the same data
    And within 5 seconds every change between regions took effect exactly once
    And no counter increment was lost

  Scenario: Another node of the region cannot answer a client in place of the node it asked
    When another node overhears every request to a server and answers it in that server's place for 5 seconds
    And a client in us-east writes "profiles/ann" = "v1"
    And a client in eu-west increments "likes/post-9" by 4
    Then within 1 second every region reads "profiles/ann" as "v1"
    And within 1 second every region reads "likes/post-9" as "4"
    And forged answers reached the clients, which ignored them

  Scenario Outline: Shard leaders crash at random while regions split and clocks drift (seed <seed>)
    For 30 simulated seconds the regions are split at random, their clocks set off by up to
    200 ms, and the node leading the most shards of a random region crashes and comes back,
    one at a time, while every region takes a mixed workload. Then every region holds the
    same data, every change between regions took effect exactly once, and nothing
    acknowledged is lost.
    Given the simulation seed is <seed>
    When every region takes 40 operations per second across all keyspaces
    And for 30 seconds the regions are split at random, their shard leaders crash and come back, and their clocks are skewed by up to 200 ms
    And the writes stop
    Then within 5 seconds every region holds the same data
    And within 5 seconds every change between regions took effect exactly once
    And no counter increment was lost
    And every last-writer-wins key holds its latest acknowledged write

    Examples:
      | seed |
      | 1    |
      | 2    |
      | 3    |
      | 4    |
      | 5    |
