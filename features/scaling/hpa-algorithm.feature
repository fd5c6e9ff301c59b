Feature: The autoscaler computes node counts exactly as the Kubernetes Horizontal Pod Autoscaler
  The desired count is ceil(current × observed / target). Inside the tolerance (0.1) nothing
  changes. Missing readings count as 100% of the target when scaling down and 0% when scaling
  up; nodes still joining count as 0% when scaling up; when counting them reverses the
  direction, nothing changes. cpu is in percent of a node's capacity, so HPA's "200m observed
  against a 100m target" is written 200% against 100%.

  Scenario Outline: HPA's worked example: <nodes> nodes at <observed>% cpu against <target>% → <proposed>
    Given a scaling policy:
      | cpu target | <target>% |
      | max nodes  | 1000      |
    And a service of <nodes> nodes that each process 1000 operations per second
    When the reporting nodes run at <observed>% cpu
    Then the autoscaler proposes <proposed> nodes

    Examples:
      | nodes | observed | target | proposed |
      | 4     | 200      | 100    | 8        |
      | 4     | 50       | 100    | 2        |
      | 50    | 90       | 75     | 60       |
      | 10    | 105      | 100    | 10       |
      | 10    | 92       | 100    | 10       |

  Scenario Outline: Missing readings and joining nodes dampen the decision (<case>)
    Given a scaling policy:
      | cpu target | 100% |
    And a service of <nodes> nodes that each process 1000 operations per second
    And <joining> of the nodes are still joining
    And <missing> of the nodes report no readings
    When the reporting nodes run at <observed>% cpu
    Then the autoscaler proposes <proposed> nodes

    Examples:
      | case                                   | nodes | joining | missing | observed | proposed |
      | missing counts as 100% on scale-down   | 4     | 0       | 1       | 50       | 3        |
      | missing counts as 0% on scale-up       | 4     | 0       | 1       | 150      | 5        |
      | joining counts as 0% on scale-up       | 4     | 1       | 0       | 200      | 6        |
      | missing readings reverse the direction | 3     | 0       | 2       | 130      | 3        |
      | joining nodes reverse the direction    | 4     | 2       | 0       | 150      | 4        |

  Scenario: A metric no node reports keeps the other metrics from scaling in
    Given a scaling policy:
      | cpu target        | 50% |
      | memory target     | 60% |
      | min nodes         | 2   |
      | scale-down window | 0 s |
    And a service of 8 nodes that each process 1000 operations per second
    And no node reports memory readings
    When the client load is 1000 operations per second
    Then the service keeps 8 nodes for 3 minutes
