@consensus
Feature: A returning replica does not disrupt a healthy leader (pre-vote)
  A replica that hears from no leader first asks the others whether they would vote for
  it, without raising its term. While they hear from a leader they say no. So a replica
  that was cut off, or that stops hearing from the leader, never gets a higher term than
  the leader's: when it is heard again it follows the current leader instead of forcing
  a new election. Bound: it follows the leader within 1 second of returning.

  @smoke
  Scenario: A follower that was cut off rejoins without an election
    Given a replicated group of 3 nodes
    And the group has a leader
    When a follower is cut off from the others
    And 2 seconds pass
    And the network heals
    Then within 1 second the follower follows the leader
    And the leader did not change
    And the follower's term did not grow

  Scenario Outline: A follower that was cut off rejoins without an election (<size> replicas, seed <seed>)
    Given the simulation seed is <seed>
    And a replicated group of <size> nodes
    And the group has a leader
    When a follower is cut off from the others
    And 1 second passes
    And the network heals
    Then within 1 second the follower follows the leader
    And the leader did not change

    Examples:
      | size | seed |
      | 3    | 11   |
      | 5    | 12   |
      | 5    | 13   |

  Scenario: A follower that stops hearing from the leader does not depose it
    Given a replicated group of 3 nodes
    And the group has a leader
    When messages from the leader to a follower are lost
    And 2 seconds pass
    Then the leader did not change
    And the follower's term did not grow
    When the network heals
    Then within 1 second the follower follows the leader
