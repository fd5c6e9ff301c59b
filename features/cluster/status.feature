@cluster
Feature: Cluster size and status reporting
  Operators read one status report: the cluster size, each node's state, region, zone,
  capacity and incarnation, when it was last heard from, and whether all live members
  agree on the view. Every cluster scenario attaches it to the report, with a timeline
  picture of each node's state over virtual time.

  Background:
    Given a running cluster with these nodes:
      | node   | region  | zone       | capacity |
      | node-1 | us-east | us-east-1a | 8        |
      | node-2 | us-east | us-east-1b | 8        |
      | node-3 | eu-west | eu-west-1a | 16       |

  @smoke
  Scenario: The status report lists every node and its placement
    Then the status report lists 3 nodes, 3 of them alive
    And all live nodes agree on the membership
    And the status report shows:
      | node   | state | region  | zone       | capacity | incarnation |
      | node-1 | alive | us-east | us-east-1a | 8        | 0           |
      | node-2 | alive | us-east | us-east-1b | 8        | 0           |
      | node-3 | alive | eu-west | eu-west-1a | 16       | 0           |

  Scenario: The status report follows a failure
    When node-3 crashes
    Then within 8 seconds every live node sees node-3 as dead
    And the status report lists 3 nodes, 2 of them alive
    And the status report shows:
      | node   | state |
      | node-1 | alive |
      | node-2 | alive |
      | node-3 | dead  |
