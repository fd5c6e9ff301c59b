@authoring
Feature: Replication scenarios written from the glossary alone

  Background:
    Given regions with these one-way latencies:
      | from    | to      | latency |
      | us-east | eu-west | 80 ms   |
    And keyspace "profiles" resolves conflicts by last-writer-wins
    And keyspace "likes" resolves conflicts by PN-counter

  Scenario: A write reaches the other region
    When a client in us-east writes "profiles/ann" = "red"
    Then within 1 second every region reads "profiles/ann" as "red"

  Scenario: Counter increments on both sides of a split add up
    Given us-east and eu-west cannot reach each other
    When a client in us-east increments "likes/post" by 2
    And a client in eu-west increments "likes/post" by 3
    And the network heals
    Then within 2 seconds every region reads "likes/post" as "5"
    And no counter increment was lost
