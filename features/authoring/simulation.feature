@authoring
Feature: Simulation scenarios written from the glossary alone

  Scenario: An operator cannot resume a node that is not paused
    Given a running cluster of 3 nodes
    When an operator tries to resume node-2
    Then the operator is told "node node-2 cannot resume: it is running"

  Scenario: An operator restarts a node
    Given a running cluster of 3 nodes
    When an operator tries to restart node-2
    Then within 5 seconds every live node sees node-2 as alive

  Scenario: A partition and its healing
    Given a running cluster of 5 nodes
    When the network is split into these groups:
      | nodes                  |
      | node-1, node-2, node-3 |
      | node-4 and node-5      |
    Then within 10 seconds node-1, node-2 and node-3 see node-4 as dead
    When the network heals
    Then within 15 seconds all live nodes agree on the membership
