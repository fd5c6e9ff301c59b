@replication
Feature: A write in one region becomes visible in every region within the latency bound
  Every region takes writes (active-active) and streams them to the other regions
  asynchronously. A write is readable in each region about one one-way latency after it
  was made: the link's latency, plus the hop from the client to its region, a couple of
  milliseconds of batching, and a commit in the writer's region and in the reader's
  (nothing where a region is one node; with regions of 3 nodes, 1 ms apart, a quorum
  round trip and two disk syncs: 3 ms each).

  Background:
    Given regions with these one-way latencies:
      | from    | to       | latency |
      | us-east | eu-west  | 80 ms   |
      | us-east | ap-south | 120 ms  |
      | eu-west | ap-south | 100 ms  |
    And keyspace "profiles" resolves conflicts by last-writer-wins

  @smoke
  Scenario: A write in one region is readable everywhere within the one-way latency, a commit in each region, plus 5 ms
    When a client in us-east writes "profiles/zoe" = "hello"
    Then every region reads "profiles/zoe" as "hello" within 5 ms more than the one-way latency from us-east and a commit in each region

  Scenario: Every region takes writes, and each write reaches all the others
    When a client in us-east writes "profiles/ana" = "from us-east"
    And a client in eu-west writes "profiles/ben" = "from eu-west"
    And a client in ap-south writes "profiles/cy" = "from ap-south"
    Then within 200 ms every region reads "profiles/ana" as "from us-east"
    And within 200 ms every region reads "profiles/ben" as "from eu-west"
    And within 200 ms every region reads "profiles/cy" as "from ap-south"
