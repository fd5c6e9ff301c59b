@authoring
Feature: Elastic scaling, written from the glossary alone (second try)

  Scenario: A policy whose minimum is above its maximum is refused
    When an operator submits this scaling policy:
      | min nodes | 10 |
      | max nodes | 4  |
    Then the policy is refused naming "minNodes" because "is greater than"

  Scenario: A load spike scales the service out to meet the cpu target
    Given a scaling policy:
      | cpu target | 50% |
      | max nodes  | 20  |
    And a service of 4 nodes that each process 1000 operations per second
    When the client load is 6000 operations per second
    Then the autoscaler proposes 12 nodes
    And the service has 12 nodes within 3 minutes

  Scenario: When the load falls, the service waits out its window, then shrinks with drained nodes
    Given a scaling policy:
      | cpu target        | 50%   |
      | scale-down window | 120 s |
    And a service of 8 nodes that each process 1000 operations per second
    When the client load is 4000 operations per second for 1 minute
    And the client load is 2000 operations per second
    Then the service keeps 8 nodes for 90 seconds
    And the service has 4 nodes within 3 minutes
    And every node removed was drained first

  Scenario: The real cluster grows under load and spreads its shards onto the new nodes
    Given a scaling policy:
      | cpu target         | 60% |
      | replication factor | 3   |
      | max nodes          | 6   |
    And an elastic cluster of 3 nodes that each serve 50 requests per second, holding 6 shards of 60 keys
    When 12 clients work on the cluster
    And the cluster has grown to at least 4 server nodes within 2 minutes
    Then the shards are spread over every server node within 3 minutes
    And every shard still takes writes within 10 seconds
