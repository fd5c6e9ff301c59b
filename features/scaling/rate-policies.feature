Feature: Rate policies bound how fast the cluster shrinks or grows
  HPA's example: from 80 toward 10 with "4 nodes per 60 s" and "10% per 60 s". With selectPolicy
  Max the bigger change applies (8 from 80, then 8 from 72 as 7.2 rounds up, …; below 40 the 4-node
  policy is bigger); with Min the smaller one, so never more than 4 per 60 s.


  Scenario: selectPolicy Max removes the bigger of the two allowances each period
    Given a scaling policy:
      | cpu target        | 100%                           |
      | min nodes         | 10                             |
      | scale-down window | 0 s                            |
      | scale-down rate   | 4 nodes per 60 s, 10% per 60 s |
      | scale-down select | Max                            |
    And a service of 80 nodes that each process 1000 operations per second
    When the client load is 9000 operations per second for 15 minutes
    Then the node counts decided began "80, 72, 64, 57, 51, 45, 40, 36, 32, 28"
    And the service has 10 nodes within 5 minutes

  Scenario: selectPolicy Min removes at most 4 nodes per period
    Given a scaling policy:
      | cpu target        | 100%                           |
      | min nodes         | 10                             |
      | scale-down window | 0 s                            |
      | scale-down rate   | 4 nodes per 60 s, 10% per 60 s |
      | scale-down select | Min                            |
    And a service of 80 nodes that each process 1000 operations per second
    When the client load is 9000 operations per second for 10 minutes
    Then the node counts decided began "80, 76, 72, 68, 64"
    And no 60 seconds saw more than 4 nodes removed

  Scenario: selectPolicy Disabled never scales in
    Given a scaling policy:
      | cpu target        | 100%     |
      | scale-down select | Disabled |
    And a service of 8 nodes that each process 1000 operations per second
    When the client load is 1000 operations per second for 10 minutes
    Then the service keeps 8 nodes for 1 minute

  Scenario: However high the load, the cluster grows only to max nodes
    Given a scaling policy:
      | cpu target | 50% |
      | max nodes  | 5   |
    And a service of 2 nodes that each process 1000 operations per second
    When the client load is 6000 operations per second
    Then the service has 5 nodes within 2 minutes
    And the service never has more than 5 nodes for 5 minutes
