@authoring
Feature: Garbage collection, written from the glossary alone (second try)

  Scenario: A busy bank under crashes does not pile up records of finished transfers
    Given 6 bank accounts holding 100 each, spread over every shard
    And 4 tellers transferring money between them and auditing the total
    When the bank runs for 5 seconds under random crashes and message loss
    Then the total balance is still 600
    And within 10 seconds each shard keeps at most 2 ended transactions per client

  Scenario: Deleted profiles are forgotten everywhere once every region has seen the delete
    Given regions with these one-way latencies:
      | from    | to       | latency |
      | us-east | eu-west  | 40 ms   |
      | us-east | ap-south | 90 ms   |
      | eu-west | ap-south | 60 ms   |
    And keyspace "profiles" resolves conflicts by last-writer-wins
    And 20 keys of "profiles" were written in us-east and reached every region
    When a client in eu-west deletes the first 10 keys of "profiles"
    Then within 5 seconds no region holds "profiles/key-000003"
    And within 10 seconds no region keeps more than 0 tombstones

  Scenario: Regions keep their tombstones while a region that missed the deletes is cut off
    Given regions with these one-way latencies:
      | from    | to       | latency |
      | us-east | eu-west  | 40 ms   |
      | us-east | ap-south | 90 ms   |
      | eu-west | ap-south | 60 ms   |
    And keyspace "profiles" resolves conflicts by last-writer-wins
    And 20 keys of "profiles" were written in us-east and reached every region
    And ap-south is cut off from the other regions
    When a client in us-east deletes the first 10 keys of "profiles"
    Then after 3 seconds us-east and eu-west still keep at least 10 tombstones
    When the network heals
    Then within 10 seconds no region keeps more than 0 tombstones
    And within 5 seconds no region holds "profiles/key-000009"

  Scenario: A transfer whose outcome one shard missed is forgotten only after that shard learns it
    Given a running cluster of 9 nodes storing data in 3 shards with 3 replicas each
    And these accounts, each on a different shard:
      | account | balance |
      | alice   | 100     |
      | bob     | 0       |
      | carol   | 0       |
    And the shard holding "bob" will be cut off from the other shards once client "c1"'s next transaction is decided
    When client "c1" transfers 40 from "alice" to "bob"
    And client "c1" transfers 20 from "alice" to "carol"
    Then after 3 seconds the record of client "c1"'s interrupted transaction is still kept
    When the network heals
    And client "c1" transfers 10 from "bob" to "alice"
    Then within 10 seconds no shard keeps anything of client "c1"'s interrupted transaction
    And the balances are:
      | account | balance |
      | alice   | 50      |
      | bob     | 30      |
      | carol   | 20      |
