@cluster
Feature: Membership at scale
  A hundred nodes that all join through one seed reach one agreed view within 10
  seconds of virtual time after the last one starts, and stay agreed.

  Scenario: A 100-node cluster agrees on one view
    Given a running cluster of 100 nodes
    When 60 seconds pass
    Then all live nodes agree on the membership
    And the status report lists 100 nodes, 100 of them alive
    And no live node was ever declared dead
