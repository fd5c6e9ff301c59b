@kv
Feature: Shard leaders spread out within a stated time
  When a store starts, each shard elects whichever replica times out first, so one node
  may lead several shards; leader balancing then hands leadership to each shard's
  preferred leader. "every shard has a leader" does not wait for that: the spread is
  checked with "within {duration} no node leads more than {int} shard(s)", which waits,
  while the form without "within" is an instant check for after time has passed.

  Scenario: Leaders are spread out within 5 seconds of the store starting
    Given a running cluster of 4 nodes storing data in 4 shards with 3 replicas each
    Then within 5 seconds every shard has a leader
    And within 5 seconds no node leads more than 1 shard

  Scenario: After a leader crashes, the leaders spread out again
    Given a running cluster of 5 nodes storing data in 5 shards with 3 replicas each
    And within 5 seconds no node leads more than 1 shard
    When node-1 crashes
    Then within 5 seconds every shard has a leader
    And within 10 seconds no node leads more than 2 shards
