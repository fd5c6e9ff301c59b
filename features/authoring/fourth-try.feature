@authoring
Feature: Status, stale placement journals, saga hygiene, scaling bounds and hidden code, written from the glossary alone (fourth try)

  Each scenario was written from docs/STEPS.md alone, following each entry's "Needs" lines.

  # 1. the status report lists {int} nodes, {int} of them alive

  Scenario: A crashed node stays in the status report but no longer counts as alive
    Given a running cluster of 5 nodes
    When node-5 crashes
    Then the status report lists 5 nodes, 4 of them alive
    And within 10 seconds every live node sees node-5 as dead

  Scenario: A node that joined and one that left both appear in the status report
    Given a running cluster of 3 nodes
    When node-4 joins through node-1
    Then within 5 seconds every live node sees node-4 as alive
    When node-3 leaves the cluster
    Then within 5 seconds every live node sees node-3 as left
    And the status report lists 4 nodes, 3 of them alive

  # 2. the placement group's replica on {node} lists {int} move(s) in flight

  Scenario: Every placement replica journals a move while it is in flight and clears it once done
    Given a running cluster of 3 nodes storing data in 3 shards with 3 replicas each that snapshot every 50 writes
    And moves run at most 1 at a time over a link of 200 bytes per second
    And 3 clients keep reading and writing 5 keys
    When node-4 joins the cluster
    And the copy of "shard-1" held by its leader moves to node-4
    And node-4 has joined "shard-1" as a learner
    Then the placement group's replica on node-1 lists 1 move in flight
    And within 60 seconds every move has finished
    And the placement group's replica on node-2 lists 0 moves in flight
    And node-4 holds a full copy of "shard-1"
    When the clients stop
    Then the placement map agrees with every group's configuration

  Scenario: A placement replica cut off mid-move keeps the move in its journal until it hears again
    Given a running cluster of 3 nodes storing data in 3 shards with 3 replicas each that snapshot every 50 writes
    And moves run at most 1 at a time over a link of 200 bytes per second
    And 3 clients keep reading and writing 5 keys
    When node-4 joins the cluster
    And the copy of "shard-1" held by its leader moves to node-4
    And node-4 has joined "shard-1" as a learner
    And node-3 is cut off from the others
    Then within 60 seconds every move has finished
    And the placement group's replica on node-3 lists 1 move in flight
    When the network heals
    And 5 seconds pass
    Then the placement group's replica on node-3 lists 0 moves in flight
    When the clients stop
    Then the placement map agrees with every group's configuration

  # 3. the frozen placement leader

  Scenario: A frozen placement leader wakes up alone, still believing it leads a move
    Given a running cluster of 3 nodes storing data in 3 shards with 3 replicas each that snapshot every 50 writes
    And 2 clients keep reading and writing 5 keys
    When node-4 joins the cluster
    And the copy of "shard-1" held by its leader moves to node-4
    And node-4 has joined "shard-1" as a learner
    And the placement group's leader freezes, cut off from every other node
    And the placement group's other nodes crash
    And the frozen placement leader resumes
    Then the frozen placement leader still believes it leads, and lists 1 move in flight
    When the network heals
    And the placement group's crashed nodes restart
    Then within 60 seconds every move has finished
    When 5 seconds pass
    Then the placement group's replica on node-1 lists 0 moves in flight
    And the placement group's replica on node-2 lists 0 moves in flight
    And the placement group's replica on node-3 lists 0 moves in flight
    When the clients stop
    Then the placement map agrees with every group's configuration

  # 4. within {duration} the orchestrator remembers no request of a saga that ended

  Scenario: Retried bookings under chaos leave the orchestrator remembering nothing of ended sagas
    Given a trip-booking saga of these steps:
      | step   | service  | does        | undone by     | attempts |
      | flight | flights  | book-flight | cancel-flight | 3        |
      | hotel  | hotels   | book-hotel  | cancel-hotel  | 3        |
      | car    | cars     | rent-car    | return-car    | 3        |
    When 30 trips are booked over 15 seconds under random crashes, partitions, message loss and duplicated messages
    Then within 30 seconds the orchestrator remembers no request of a saga that ended
    And what every service applied matches how each saga ended

  # 5. the trips' step {string} sends its service the command {string}

  Scenario: A saga written against another version of the hotel service undoes every trip
    Given trip-booking services that keep their state in the store, with these stocks:
      | service  | stock |
      | flights  | 5     |
      | hotels   | 5     |
      | cars     | 5     |
      | payments | 500   |
    And the trips' step "reserve room" sends its service the command "book"
    And 3 saga orchestrators, one of them active
    When 2 trips are booked at once
    Then every trip was compensated because step "reserve room" failed with "hotels has no command book"
    And 0 trips completed and 2 were compensated
    And within 60 s every trip completed or was compensated, and nothing is half-done

  Scenario: A command named like a built-in of the payment service is still unknown to it
    Given trip-booking services that keep their state in the store, with these stocks:
      | service  | stock |
      | flights  | 5     |
      | hotels   | 5     |
      | cars     | 5     |
      | payments | 500   |
    And the trips' step "charge card" sends its service the command "toString"
    And 3 saga orchestrators, one of them active
    When 2 trips are booked at once
    Then every trip was compensated because step "charge card" failed with "payments has no command toString"
    And within 60 s every trip completed or was compensated, and nothing is half-done

  # 6. the service stores {int} GB of data / no node reports {word} readings

  Scenario: A service holding much data drains slowly, so it shrinks late
    Given a scaling policy:
      | cpu target        | 50% |
      | scale-down window | 0 s |
    And the service stores 40 GB of data
    And a service of 8 nodes that each process 1000 operations per second
    When the client load is 2000 operations per second
    Then the service never has fewer than 8 nodes for 90 seconds
    And the service has 4 nodes within 15 minutes
    And every node removed was drained first

  Scenario: Without memory readings the autoscaler skips a scale-down that cpu suggests
    Given a scaling policy:
      | cpu target        | 50% |
      | memory target     | 60% |
      | scale-down window | 0 s |
    And a service of 8 nodes that each process 1000 operations per second
    And no node reports memory readings
    When the client load is 2000 operations per second
    Then the service keeps 8 nodes for 3 minutes
    And the autoscaler changed the node count at most 0 times

  # 7. the service never has more than / fewer than {int} nodes for {duration}

  Scenario: A scale-up rate keeps a load spike from adding more than 4 nodes a minute
    Given a scaling policy:
      | cpu target    | 50%              |
      | max nodes     | 20               |
      | scale-up rate | 4 nodes per 60 s |
    And a service of 4 nodes that each process 1000 operations per second
    When the client load is 8000 operations per second
    Then the service never has more than 8 nodes for 1 minute
    And the service has 16 nodes within 5 minutes

  Scenario: A scheduled minimum holds the service up while the load is low
    Given a scaling policy:
      | cpu target        | 50%                          |
      | scale-down window | 0 s                          |
      | scheduled minimum | 6 nodes from 0 s until 300 s |
    And a service of 8 nodes that each process 1000 operations per second
    When the client load is 2000 operations per second
    Then the service never has fewer than 6 nodes for 4 minutes
    And the service has 4 nodes within 5 minutes

  # 8. every shard has its replication factor on running nodes within {duration}

  Scenario: The replicas of a node that crashed while draining are made again elsewhere
    Given a scaling policy:
      | cpu target         | 60% |
      | replication factor | 3   |
      | min nodes          | 3   |
    And an elastic cluster of 5 nodes that each serve 50 requests per second, holding 6 shards of 60 keys
    When 2 clients work on the cluster
    And an operator asks the cluster to shrink by 1 node
    And the nodes being drained crash
    Then every shard has its replication factor on running nodes within 2 minutes
    When the crashed nodes restart
    Then every shard still takes writes within 10 seconds

  # 9. a process that was never admitted sends query requests with hidden code

  Scenario: Query requests with code hidden in their lists and fields are dropped unread
    Given a running cluster of 5 nodes storing data in 3 shards with 3 replicas each
    When a process that was never admitted sends every shard's leader query requests with code hidden in their lists and fields
    Then every message of the intruder was dropped and counted
    And the code hidden in the intruder's messages never ran
    When client "c1" writes "still-mine" to "balance"
    Then client "c1" reads "still-mine" from "balance"
