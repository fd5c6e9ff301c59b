@consensus
Feature: Votes and quorums hold through crashes and lost majorities
  A replica writes what it promises to disk before it answers: a vote it grants, the term
  it is in, the entries it acknowledges. A crash right after the answer therefore loses
  none of it, and a restarted replica never votes twice in one term. Nothing is written
  without a majority of the replicas, and no replica whose log lacks committed entries can
  become leader. (Raft paper, sections 5.2 to 5.4 and Figure 3.)

  Scenario: A replica that crashes right after voting still holds its vote when it restarts
    Given a replicated group on node-1, node-2 and node-3
    And messages from node-1 to node-3 are lost
    And messages from node-3 to node-1 are lost
    When node-1 calls an election
    And node-2 crashes right after granting its vote to node-1
    Then within 1 second node-1 leads the group in term 1
    When node-1 is cut off from the others
    And node-2 restarts
    And node-3 calls an election
    And 3 seconds pass
    Then no two replicas were ever elected leader in the same term

  Scenario: A group of five with three replicas down accepts no write
    Given a replicated group of 5 nodes
    And the group is led by node-1
    When node-3 crashes
    And node-4 crashes
    And node-5 crashes
    And a client starts writing "lost-majority" to "k"
    And 5 seconds pass
    Then the write has not been acknowledged
    When node-4 restarts
    Then within 10 seconds the write is acknowledged

  Scenario: A replica with a stale log calls an election and never wins
    Given a replicated group whose replicas start with these logs:
      | node   | current term | log terms |
      | node-1 | 3            | 1 1 3     |
      | node-2 | 3            | 1 1 3     |
      | node-3 | 3            | 1 1       |
    When node-3 calls an election
    And 1 second passes
    And node-3 calls an election
    Then within 2 seconds the group elects a leader
    And node-3 has never led the group
    And within 1 second every replica's log matches the leader's
    And every replica's log starts with the terms 1 1 3
