@cluster
Feature: Adding and removing nodes
  Nodes come and go. A graceful leave is reported as "left", which is different from a
  failure ("dead"). A restarted node comes back under a higher incarnation.

  Background:
    Given a running cluster of node-1, node-2, node-3 and node-4

  @smoke
  Scenario: Adding a node grows the cluster
    When node-5 joins through node-2
    Then within 5 seconds every live node sees node-5 as alive
    And the status report lists 5 nodes, 5 of them alive

  Scenario Outline: A departing node is reported by how it departed
    When node-3 <departs>
    Then within <bound> every live node sees node-3 as <state>
    And the status report lists 4 nodes, 3 of them alive

    Examples:
      | departs              | bound     | state |
      | leaves the cluster   | 3 seconds | left  |
      | crashes              | 8 seconds | dead  |

  Scenario: A node that leaves is never reported as failed
    When node-2 leaves the cluster
    And 20 seconds pass
    Then no node ever declared node-2 dead

  Scenario: A restarted node rejoins under a higher incarnation
    Given node-4's incarnation is noted
    When node-4 crashes
    And 2 seconds pass
    And node-4 restarts
    Then within 10 seconds every live node knows node-4 under a higher incarnation than before
    And within 5 seconds all live nodes agree on the membership
