Feature: Stabilization keeps the cluster from shrinking on a brief dip
  Scale-down takes the highest recommendation of the last 300 seconds (HPA's default window), so
  a short dip changes nothing and a sustained drop scales in once the window has passed.
  Scale-up has no window by default.

  Scenario: A brief dip does not scale in
    Given a scaling policy:
      | cpu target | 50% |
      | min nodes  | 2   |
    And a service of 8 nodes that each process 1000 operations per second
    When the client load is 4000 operations per second for 2 minutes
    And the client load is 1000 operations per second for 30 seconds
    And the client load is 4000 operations per second
    Then the service keeps 8 nodes for 10 minutes

  Scenario: A sustained drop scales in after the window
    Given a scaling policy:
      | cpu target | 50% |
      | min nodes  | 2   |
    And a service of 8 nodes that each process 1000 operations per second
    When the client load is 4000 operations per second for 2 minutes
    And the client load is 1000 operations per second
    Then the service keeps 8 nodes for 4 minutes
    And the service has 2 nodes within 3 minutes
    And every node removed was drained first

  Scenario: Oscillating load does not make the cluster flap
    Given a scaling policy:
      | cpu target | 50% |
      | min nodes  | 2   |
    And a service of 4 nodes that each process 1000 operations per second
    When the client load alternates between 2500 and 1500 operations per second every 60 seconds for 20 minutes
    Then the autoscaler changed the node count at most 1 time

  Scenario: Without a scale-down window the same oscillating load makes the cluster flap
    Given a scaling policy:
      | cpu target        | 50% |
      | min nodes         | 2   |
      | scale-down window | 0 s |
    And a service of 4 nodes that each process 1000 operations per second
    When the client load alternates between 2500 and 1500 operations per second every 60 seconds for 20 minutes
    Then the autoscaler changed the node count at least 10 times

  Scenario: A scheduled minimum holds capacity during its window
    Given a scaling policy:
      | cpu target        | 50%                                    |
      | min nodes         | 2                                      |
      | scheduled minimum | 6 nodes from 2 minutes until 5 minutes |
    And a service of 2 nodes that each process 1000 operations per second
    When the client load is 500 operations per second
    Then the service keeps 2 nodes for 1 minute
    And the service has 6 nodes within 2 minutes
    And the service has 2 nodes within 4 minutes

  Scenario: No new scale-in starts while nodes are still draining
    Given a scaling policy:
      | cpu target        | 50% |
      | min nodes         | 2   |
      | scale-down window | 0 s |
    And the service stores 16 GB of data
    And a service of 8 nodes that each process 1000 operations per second
    When the client load is 3000 operations per second
    Then the service has 6 nodes within 2 minutes
    And the service never has fewer than 6 nodes for 5 minutes
    And the autoscaler changed the node count at most 1 time
