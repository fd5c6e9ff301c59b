@integration @rebalancing @consensus
Feature: Leader churn during a rebalance, with concurrent clients
  A sixth node joins a store of five, and the rebalancer moves replicas onto it. While
  the moves run, every 2 seconds the leader of a shard picked from the seed crashes and
  restarts a second later. Clients keep reading, writing and comparing-and-setting
  throughout. Every client history is linearizable, the Raft safety checker is clean,
  nothing acknowledged is lost, and the moves finish with the map agreeing with every
  group's configuration.

  Scenario Outline: Leader churn during a rebalance, seed <seed>
    Given the simulation seed is <seed>
    And a running cluster of 5 nodes storing data in 3 shards with 3 replicas each that snapshot every 50 writes
    And 3 clients keep reading and writing 5 keys
    When node-6 joins the cluster
    And a rebalance runs while a shard's leader crashes every 2 seconds for 20 seconds
    Then every client history is linearizable
    And the consensus safety checker saw no violation
    And no acknowledged write was lost
    And the placement map agrees with every group's configuration
    And node-6 holds between 1 and 3 replicas

    Examples:
      | seed |
      | 1    |
      | 2    |
      | 3    |
      | 4    |
      | 5    |

  @soak
  Scenario: Leader churn during a rebalance, soak run over seeds 101 to 200
    Then every seed from 101 to 200 passes these steps:
      """
      Given a running cluster of 5 nodes storing data in 3 shards with 3 replicas each that snapshot every 50 writes
      And 3 clients keep reading and writing 5 keys
      When node-6 joins the cluster
      And a rebalance runs while a shard's leader crashes every 2 seconds for 20 seconds
      Then every client history is linearizable
      And the consensus safety checker saw no violation
      And no acknowledged write was lost
      And the placement map agrees with every group's configuration
      And node-6 holds between 1 and 3 replicas
      """
