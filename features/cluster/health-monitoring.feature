@cluster
Feature: Health monitoring
  Members probe each other (SWIM). A member that stops answering is first suspected,
  then declared dead; a member that is only slow or briefly frozen refutes the suspicion
  and stays. Bounds: a crashed node is dead in every live view within 8 seconds.

  Background:
    Given a running cluster of 5 nodes

  @smoke
  Scenario: A crashed node is declared dead by every live member
    When node-3 crashes
    Then within 8 seconds every live node sees node-3 as dead
    And no live node was ever declared dead

  Scenario: A paused node is suspected, and refutes the suspicion when it resumes in time
    Given node-2's incarnation is noted
    When node-2 is paused
    Then within 3 seconds some live node suspects node-2
    When node-2 is resumed
    Then within 5 seconds every live node knows node-2 under a higher incarnation than before
    And no node ever declared node-2 dead

  Scenario: Ten percent message loss does not get a live node declared dead
    Given 10% of messages are lost
    When 60 seconds pass
    Then no live node was ever declared dead
    And within 5 seconds all live nodes agree on the membership

  Scenario: A node that one member cannot reach directly is vouched for by the others
    When messages from node-1 to node-2 are lost
    And messages from node-2 to node-1 are lost
    And 30 seconds pass
    Then no live node was ever declared dead
    And all live nodes agree on the membership

  Scenario: A node cut off from the others is declared dead, and returns when the network heals
    When node-4 is cut off from the others
    Then within 8 seconds every live node sees node-4 as dead
    When the network heals
    Then within 15 seconds every live node sees node-4 as alive

  # Right after the heal the two sides still disagree (node-4 sees the others dead, they see
  # it dead); the wait must see them come together, not take the views from before the cut.
  Scenario: After a node's partition heals, every live node comes to the same view again
    When node-4 is cut off from the others
    Then within 8 seconds every live node sees node-4 as dead
    When the network heals
    Then within 15 seconds all live nodes agree on the membership
    And the status report lists 5 nodes, 5 of them alive
