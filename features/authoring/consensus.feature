@authoring
Feature: Consensus scenarios written from the glossary alone

  Scenario: A learner added to a running group catches up
    Given a replicated group of 3 nodes
    And the group has a leader
    And 20 values are written to the group
    When node-4 is added to the group as a learner
    Then within 2 seconds every replica counts node-4 as a learner
    And within 2 seconds node-4 has caught up with the leader

  Scenario: The group survives its leader crashing twice
    Given a replicated group of 5 nodes
    And the group has a leader
    When the leader crashes
    Then within 3 seconds a new leader is elected
    When the new leader crashes
    Then within 3 seconds the group elects a leader
    And a client can write "x" to "k" within 2 seconds

  Scenario: Leadership handed over keeps the data
    Given a replicated group of 3 nodes
    And the group is led by node-1
    When a client writes "v1" to "k"
    And leadership is handed to node-3
    Then within 2 seconds node-3 leads the group
    And a client reads "v1" from "k"
