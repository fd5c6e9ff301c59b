@replication
Feature: Causality is kept across regions, even with skewed clocks
  A client that read something and then writes carries what it saw: the latest timestamp,
  and for multi-value keys the versions it read. The region that takes the write stamps
  it after everything the client saw, and a region that received a write stamps its own
  later writes after it (hybrid logical clocks). So a write never loses to, nor sits next
  to, a write it was based on, even when the writing region's clock is behind and the
  earlier write has not reached it yet.

  Background:
    Given regions with these one-way latencies:
      | from    | to       | latency |
      | us-east | eu-west  | 80 ms   |
      | us-east | ap-south | 120 ms  |
      | eu-west | ap-south | 100 ms  |
    And keyspace "profiles" resolves conflicts by last-writer-wins
    And keyspace "carts" resolves conflicts by multi-value

  Scenario: A write made after reading another never loses to it, even from a region whose clock is behind
    Given the clocks in eu-west run 400 ms behind
    When client "alice" writes "profiles/alice" = "draft" in us-east
    And client "alice" reads "profiles/alice" in us-east
    And client "alice" writes "profiles/alice" = "final" in eu-west
    Then within 1 second every region reads "profiles/alice" as "final"
    And every region holds the write with the later timestamp for "profiles/alice"

  Scenario: A region that received a write stamps its later writes after it, whatever its clock says
    Given the clocks in ap-south run 450 ms behind
    When a client in us-east writes "profiles/kim" = "v1"
    And within 1 second every region reads "profiles/kim" as "v1"
    And a client in ap-south writes "profiles/kim" = "v2"
    Then within 1 second every region reads "profiles/kim" as "v2"

  Scenario: Under multi-value causally ordered writes never produce concurrent versions
    Given the clocks in ap-south run 400 ms ahead
    When client "erin" writes "carts/erin" = "v1" in us-east
    And client "erin" writes "carts/erin" = "v2" in eu-west
    And client "erin" reads "carts/erin" in eu-west
    And client "erin" writes "carts/erin" = "v3" in ap-south
    Then within 1 second every region reads "carts/erin" as "v3"
    And no region ever held concurrent versions of "carts/erin"
