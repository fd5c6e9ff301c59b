@authoring
Feature: Cluster scenarios written from the glossary alone

  Scenario: A node that leaves is shown as left in the status report
    Given a running cluster of 4 nodes
    When node-4 leaves the cluster
    Then within 5 seconds every live node sees node-4 as left
    And the status report lists 4 nodes, 3 of them alive

  Scenario: A late joiner with placement shows up in the status report
    Given a running cluster of 3 nodes
    When node-4 joins through node-2 with:
      | region | eu-west |
      | zone   | b       |
    Then within 5 seconds every live node sees node-4 as alive
    And the status report shows:
      | node   | state | region  |
      | node-4 | alive | eu-west |

  Scenario: A crashed node is declared dead by everyone
    Given a running cluster of 5 nodes
    When node-5 crashes
    Then within 10 seconds every live node sees node-5 as dead
    And within 5 seconds all live nodes agree on the membership
