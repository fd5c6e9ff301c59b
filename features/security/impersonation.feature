@security
Feature: Nodes cannot be impersonated
  A node listens to Raft and transaction traffic only from peers admitted through the join
  handshake (cluster name and join token) that have not left, and a Raft message must name
  its real sender, even when many groups' heartbeats travel in one message. Everything else is dropped
  where it arrives, before any protocol sees it, and counted. A replica that was removed
  from its group cannot disrupt it either: before raising its term it must win a pre-vote,
  which the others refuse while they hear from their leader (etcd's removed-member handling
  with pre-vote and check-quorum).

  Scenario: A process that knows the protocol but was never admitted changes nothing
    Given a replicated group of 3 nodes
    And the group has a leader
    And a client writes "100" to "balance"
    When a process that was never admitted tries to take over the group and write "stolen" to "balance"
    Then the leader did not change
    And no replica's term or data changed
    And every message of the intruder was dropped and counted
    And the code hidden in the intruder's messages never ran
    And a client reads "100" from "balance"

  Scenario: A process that was never admitted cannot answer a client in the servers' place
    Given a replicated group of 3 nodes
    And the group has a leader
    And a client writes "100" to "balance"
    When a process that was never admitted answers the clients in the servers' place with "stolen" for 5 seconds
    And a client writes "120" to "balance"
    Then a client reads "120" from "balance"
    And forged answers reached the clients, which ignored them
    And the code hidden in the intruder's messages never ran

  Scenario: A member that forges the leader's heartbeats changes nothing
    Given a replicated group of 3 nodes
    And the group has a leader
    And a client writes "100" to "balance"
    When a follower forges the leader's heartbeats in a higher term for 3 seconds
    Then the leader did not change
    And no replica's term or data changed
    And every forged heartbeat was dropped and counted
    And a client reads "100" from "balance"

  Scenario: A node that left the cluster keeps sending without disrupting the group
    Given a replicated group of 3 nodes
    And the group has a leader
    When a follower leaves the cluster but keeps calling elections for 3 seconds
    Then the leader did not change
    And no replica other than the follower raised its term
    And the departed node's messages were dropped and counted
    And a client can write "after" to "x" within 2 seconds

  Scenario: A replica removed from its group while cut off keeps calling elections without disrupting it
    Given a replicated group of 3 nodes
    And the group has a leader
    When a follower is cut off from the others
    And the follower is removed from the group
    And the network heals
    And the follower keeps calling elections for 3 seconds
    Then the leader did not change
    And no replica other than the follower raised its term
    And a client can write "after" to "x" within 2 seconds

  Scenario: A member cannot report to the placement service in another node's name
    Given a running cluster of 4 nodes storing data in 4 shards with 3 replicas each
    When a member sends the placement group heartbeats in node-1's name, saying it holds nothing, for 4 seconds
    Then the placement service's view of node-1 keeps matching what the node reports for 2 seconds
    When 3 seconds pass
    Then every forged heartbeat was dropped and counted

  Scenario: Every heartbeat forged in another node's name is dropped, checked while the member still forges
    Given a running cluster of 4 nodes storing data in 4 shards with 3 replicas each
    When a member sends the placement group heartbeats in node-1's name, saying it holds nothing, for 2 seconds
    Then every forged heartbeat was dropped and counted

  Scenario: A member cannot keep the nodes reporting to a placement leader that went silent
    Given a running cluster of 4 nodes storing data in 4 shards with 3 replicas each
    When a member outside the placement group answers every node's placement heartbeats for 10 seconds, naming the placement group's current leader
    And the placement group's leader crashes
    And 3 seconds pass
    Then the placement service's view of node-4 matches what the node reports
    And forged answers reached the clients, which ignored them

  Scenario: A process that was never admitted cannot run code in a server through a query request
    Given a running cluster of 3 nodes storing data in 2 shards with 3 replicas each
    When a process that was never admitted sends every shard's leader query requests with code hidden in their lists and fields
    Then the code hidden in the intruder's messages never ran
    And every message of the intruder was dropped and counted
