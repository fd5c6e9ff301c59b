@cluster
Feature: Faults on demand
  The simulated network and machines misbehave when a scenario says so: slow or
  duplicating links, lost messages, clocks that jump. Membership must ride them out.

  Scenario: Membership rides out slow links that duplicate messages
    Given network latency between 20 ms and 60 ms
    And 5% of messages are duplicated
    And a running cluster of 5 nodes
    When 30 seconds pass
    Then no live node was ever declared dead
    And all live nodes agree on the membership

  Scenario: Clocks that jump do not get anyone declared dead
    Given a running cluster of 5 nodes
    When node-2's clock jumps 10 seconds ahead
    And node-4's clock falls 5 seconds behind
    And 20 seconds pass
    Then no live node was ever declared dead
    And all live nodes agree on the membership

  Scenario Outline: A crash is detected within the bound whatever the seed (seed <seed>)
    Given the simulation seed is <seed>
    And 5% of messages are lost
    And a running cluster of 7 nodes
    When node-5 crashes
    Then within 8 seconds every live node sees node-5 as dead
    And no live node was ever declared dead

    Examples:
      | seed |
      | 1    |
      | 2    |
      | 3    |
      | 4    |
      | 5    |

  Scenario: Both sides of a split network merge into one membership after healing
    Given a running cluster of 5 nodes
    When the network is split into these groups:
      | nodes                     |
      | node-1, node-2 and node-3 |
      | node-4 and node-5         |
    Then within 10 seconds node-1, node-2 and node-3 see node-4 as dead
    And within 10 seconds node-4 and node-5 see node-1 as dead
    When the network heals
    Then within 20 seconds all live nodes agree on the membership
    And within 1 second every live node sees node-4 as alive

  Scenario Outline: A fault that makes no sense for the node's state is refused with a reason
    Given a running cluster of 3 nodes
    When node-2 crashes
    And an operator tries to <action> node-2
    Then the operator is told "<refusal>"

    Examples:
      | action | refusal                                  |
      | pause  | node node-2 cannot pause: it is crashed  |
      | resume | node node-2 cannot resume: it is crashed |
      | crash  | node node-2 is not running (it is crashed) |
