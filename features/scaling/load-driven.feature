Feature: Load drives the cluster size up and down
  A client load ramps up, the autoscaler adds nodes that join and take load; the load drops, and
  scale-in drains nodes before it stops them, never going below the replication factor.

  Scenario Outline: Scale out under load, scale in when it passes (seed <seed>)
    Given the simulation seed is <seed>
    And a scaling policy:
      | cpu target         | 60% |
      | replication factor | 3   |
      | max nodes          | 12  |
    And a service of 3 nodes that each process 1000 operations per second
    When the client load is 1500 operations per second for 1 minute
    And the client load is 6000 operations per second
    Then the service has 10 nodes within 3 minutes
    When the client load is 1000 operations per second
    Then the service has 3 nodes within 8 minutes
    And every node removed was drained first

    Examples:
      | seed |
      | 1    |
      | 2    |
      | 3    |
