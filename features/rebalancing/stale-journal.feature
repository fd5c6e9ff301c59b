@rebalancing
Feature: The mover acts only on a journal of moves it knows to be current
  The mover drives every move from the journal of moves in flight that the placement group
  keeps, and reads it from the freshest placement replica that runs. When the replicas that
  know the latest steps are down and the one left running fell behind, its journal may
  still list a move that finished long ago; a mover acting on it would repeat a step of that
  move. So the mover acts only while a placement leader that a majority follows runs and a
  running replica has applied that leader's commit index; otherwise it waits.

  The placement group is on node-1, node-2 and node-3. A transaction holds alice's key
  while her slot moves, so the move waits a second after its copy, long enough for every
  placement replica to record that step. As the transaction commits, node-2 is cut off:
  its placement replica keeps a journal in which the move waits for shard-2 to let go of
  the slot. The move finishes and a second move brings the slot back to shard-2. When
  node-1 and node-3 crash and node-2 is back, node-2's is the only placement replica
  running. A mover that acted on its journal would tell shard-2 to let go of the slot
  again, and no move would ever take it over: alice could not be read again.

  In the second scenario the replica left behind is the placement leader's, frozen while
  the others elect a new leader: it comes back alone, still believing it leads, and no
  majority follows it.

  Each scenario runs on its own seed. Over seeds 1 to 30 both pass on all 30. Without the
  rule (the mover acting on whatever journal it reads) the first fails on 27 and the second
  on 25; with only the majority part of the rule taken out, the second fails on 21 and the
  first passes (its lone replica believes in no leader). On the other seeds the replicas
  are placed otherwise, and shard-2 has no leader while the other placement nodes are down,
  so nothing can tell it to let go.

  Scenario: The only placement replica running fell behind, and the mover does not repeat a step of a move that finished
    Given a running cluster of 5 nodes storing data in 3 shards with 3 replicas each that snapshot every 20 writes
    And these accounts, each on a different shard:
      | account | balance |
      | alice   | 100     |
      | bob     | 50      |
    And client "c1" has begun transferring 30 from "alice" to "bob"
    When the slot holding account "alice" moves to another shard
    And 1 second passes
    And client "c1" commits its transaction
    And node-2 is cut off from the others
    Then client "c1"'s transaction committed
    And within 30 seconds every move has finished
    And "alice" lives on "shard-1"
    When the slot holding account "alice" moves to another shard
    Then within 30 seconds every move has finished
    And "alice" lives on "shard-2"
    And the placement group's replica on node-2 lists 1 move in flight
    When node-1 crashes
    And node-3 crashes
    And the network heals
    And 3 seconds pass
    And node-1 restarts
    And node-3 restarts
    Then the balances are:
      | account | balance |
      | alice   | 70      |
      | bob     | 80      |
    And the consensus safety checker saw no violation
    And the placement map agrees with every group's configuration

  Scenario: The placement leader comes back alone after the others moved on, and the mover does not follow its journal
    Given a running cluster of 5 nodes storing data in 3 shards with 3 replicas each that snapshot every 20 writes
    And these accounts, each on a different shard:
      | account | balance |
      | alice   | 100     |
      | bob     | 50      |
    And client "c1" has begun transferring 30 from "alice" to "bob"
    When the slot holding account "alice" moves to another shard
    And 1 second passes
    And client "c1" commits its transaction
    And the placement group's leader freezes, cut off from every other node
    Then client "c1"'s transaction committed
    And within 30 seconds every move has finished
    And "alice" lives on "shard-1"
    When the slot holding account "alice" moves to another shard
    Then within 30 seconds every move has finished
    And "alice" lives on "shard-2"
    When the placement group's other nodes crash
    And the network heals
    And the frozen placement leader resumes
    Then the frozen placement leader still believes it leads, and lists 1 move in flight
    When 3 seconds pass
    And the placement group's crashed nodes restart
    Then the balances are:
      | account | balance |
      | alice   | 70      |
      | bob     | 80      |
    And the consensus safety checker saw no violation
    And the placement map agrees with every group's configuration
