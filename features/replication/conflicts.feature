@replication
Feature: Concurrent writes in partitioned regions converge after the partition heals
  Regions that cannot reach each other keep taking writes. When the network heals every
  region ends with the same value, chosen by the keyspace's conflict strategy: the write
  with the later hybrid-logical-clock timestamp (last-writer-wins), every concurrent
  version side by side (multi-value), the sum of all changes (PN-counter), or an add
  over a concurrent remove (add-wins OR-set).

  Background:
    Given regions with these one-way latencies:
      | from    | to       | latency |
      | us-east | eu-west  | 80 ms   |
      | us-east | ap-south | 120 ms  |
      | eu-west | ap-south | 100 ms  |
    And keyspace "profiles" resolves conflicts by last-writer-wins
    And keyspace "carts" resolves conflicts by multi-value
    And keyspace "likes" resolves conflicts by PN-counter
    And keyspace "tags" resolves conflicts by add-wins OR-set

  Scenario: Under last-writer-wins the write with the later timestamp wins
    Given us-east is cut off from the other regions
    When a client in us-east writes "profiles/bob" = "blue"
    And 50 ms pass
    And a client in eu-west writes "profiles/bob" = "green"
    And the network heals
    Then within 1 second every region reads "profiles/bob" as "green"
    And every region holds the write with the later timestamp for "profiles/bob"

  Scenario: Two writes to one key from one region at the same moment keep their order everywhere
    When at the same moment a client in us-east writes "profiles/cy" = "old" and a client in us-east writes "profiles/cy" = "new"
    Then within 1 second every region reads "profiles/cy" as "new"
    And every region holds the write with the later timestamp for "profiles/cy"

  Scenario: The later timestamp wins even when the later writer's clock is behind
    eu-west's clock runs 300 ms behind, but it writes 500 ms after us-east: its physical
    clock has passed us-east's timestamp, so its write carries the later timestamp.
    Given the clocks in eu-west run 300 ms behind
    And us-east is cut off from the other regions
    When a client in us-east writes "profiles/bob" = "from us-east"
    And 500 ms pass
    And a client in eu-west writes "profiles/bob" = "from eu-west"
    And the network heals
    Then within 1 second every region reads "profiles/bob" as "from eu-west"
    And every region holds the write with the later timestamp for "profiles/bob"

  Scenario: Within the clock offset, timestamps and not real time decide
    eu-west writes 100 ms after us-east, without having seen its write, but its clock runs
    300 ms behind, so its write carries the earlier timestamp and loses. Last-writer-wins
    orders writes that do not know of each other by timestamp; real time agrees with that
    order only for writes further apart than the clock offset.
    Given the clocks in eu-west run 300 ms behind
    And us-east is cut off from the other regions
    When a client in us-east writes "profiles/bob" = "from us-east"
    And 100 ms pass
    And a client in eu-west writes "profiles/bob" = "from eu-west"
    And the network heals
    Then within 1 second every region reads "profiles/bob" as "from us-east"
    And every region holds the write with the later timestamp for "profiles/bob"

  Scenario: Writes with equal timestamps are ordered by region name, the same way everywhere
    Given us-east and eu-west cannot reach each other
    When at the same moment a client in us-east writes "profiles/carol" = "east" and a client in eu-west writes "profiles/carol" = "west"
    And the network heals
    Then within 1 second every region reads "profiles/carol" as "east"
    And both writes carried the same timestamp and every region kept the one from us-east

  Scenario: A delete is a tombstone that wins or loses by the same rule as a write
    Given us-east is cut off from the other regions
    When a client in us-east writes "profiles/dan" = "draft"
    And a client in eu-west deletes "profiles/eve"
    And 50 ms pass
    And a client in eu-west deletes "profiles/dan"
    And a client in us-east writes "profiles/eve" = "restored"
    And the network heals
    Then within 1 second no region holds "profiles/dan"
    And within 1 second every region reads "profiles/eve" as "restored"

  Scenario: Under multi-value the reader sees both versions and a write resolves them
    Given us-east is cut off from the other regions
    When a client in us-east writes "carts/dana" = "book"
    And a client in eu-west writes "carts/dana" = "lamp"
    And the network heals
    Then within 1 second every region reads "carts/dana" as the versions "book" and "lamp"
    When client "dana" reads "carts/dana" in ap-south
    And client "dana" writes "carts/dana" = "book and lamp" in ap-south
    Then within 1 second every region reads "carts/dana" as "book and lamp"

  Scenario: With counters no increment is lost
    Given us-east is cut off from the other regions
    When a client in us-east increments "likes/post-1" by 3
    And a client in eu-west increments "likes/post-1" by 5
    And a client in ap-south decrements "likes/post-1" by 1
    And a client in us-east increments "likes/post-1" by 2
    Then us-east reads "likes/post-1" as "5"
    When the network heals
    Then within 1 second every region reads "likes/post-1" as "9"

  Scenario: In an add-wins set an add concurrent with a remove wins
    Given a client in us-east adds "urgent" to "tags/ticket-7"
    And within 1 second every region reads "tags/ticket-7" as "{urgent}"
    And us-east and eu-west cannot reach each other
    When a client in us-east removes "urgent" from "tags/ticket-7"
    And a client in eu-west adds "urgent" to "tags/ticket-7"
    And a client in eu-west adds "vip" to "tags/ticket-7"
    And the network heals
    Then within 1 second every region reads "tags/ticket-7" as "{urgent, vip}"
