@integration @transactions @rebalancing
Feature: Bank transfers while nodes join and the rebalancer moves accounts onto them
  Tellers transfer money between accounts spread over every shard. Meanwhile two new
  nodes join, and the rebalancer moves replicas of the shards holding the accounts onto
  them, while the transfers go on. Transfers stay atomic, the total stays constant, every
  audit sees it, and the cycle checker finds no anomaly. The run ends with the
  cross-component oracles: the shard map agrees with every Raft group, every key lives
  exactly where the map says, and no transaction is left behind.

  Scenario Outline: Bank transfers while 2 nodes join, seed <seed>
    Given the simulation seed is <seed>
    And a running cluster of 4 nodes storing data in 3 shards with 3 replicas each that snapshot every 50 writes
    And 10 bank accounts holding 100 each, spread over every shard
    And 4 tellers transferring money between them and auditing the total
    When the tellers transfer money for 20 seconds while 2 nodes join and the rebalancer moves replicas onto them
    Then every node that joined holds a replica of a shard with bank accounts
    And within 10 seconds no transaction holds locks and every outcome is known
    And the total balance is still 1000
    And every committed audit saw a total of 1000
    And the cycle checker finds no anomaly in the transaction history
    And the consensus safety checker saw no violation
    And the placement map agrees with every group's configuration

    Examples:
      | seed |
      | 1    |
      | 2    |
      | 3    |
      | 4    |
      | 5    |

  @soak
  Scenario: Bank transfers while 2 nodes join, soak run over seeds 101 to 200
    Then every seed from 101 to 200 passes these steps:
      """
      Given a running cluster of 4 nodes storing data in 3 shards with 3 replicas each that snapshot every 50 writes
      And 10 bank accounts holding 100 each, spread over every shard
      And 4 tellers transferring money between them and auditing the total
      When the tellers transfer money for 20 seconds while 2 nodes join and the rebalancer moves replicas onto them
      Then every node that joined holds a replica of a shard with bank accounts
      And within 10 seconds no transaction holds locks and every outcome is known
      And the total balance is still 1000
      And every committed audit saw a total of 1000
      And the cycle checker finds no anomaly in the transaction history
      And the consensus safety checker saw no violation
      And the placement map agrees with every group's configuration
      """
