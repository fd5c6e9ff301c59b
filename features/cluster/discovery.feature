@cluster
Feature: Discovery and registration
  A node joins the cluster through one or more seed nodes, presenting the cluster's name
  and join token. A node with the wrong credentials, or a machine that claims the name of
  a running member, is turned away and told why.

  Background:
    Given a cluster named "phantom" with join token "s3cret"
    And a running cluster of node-1, node-2 and node-3

  @smoke
  Scenario: A node joins through a seed and every member learns where it runs
    When node-4 joins through node-1 with:
      | region   | us-east    |
      | zone     | us-east-1a |
      | capacity | 16         |
    Then within 5 seconds every live node sees node-4 as alive
    And the status report shows:
      | node   | state | region  | zone       | capacity |
      | node-4 | alive | us-east | us-east-1a | 16       |

  Scenario: A node tries the next seed when the first one is down
    Given node-3 has crashed
    When node-4 joins through node-3 and node-1
    Then within 10 seconds every live node sees node-4 as alive

  Scenario Outline: A node with the wrong credentials is turned away
    When node-4 tries to join through node-1 with cluster name "<cluster name>" and join token "<join token>"
    Then node-4 is rejected because <reason>
    And no node lists node-4 as a member

    Examples:
      | cluster name | join token | reason                    |
      | phantom      | guessed    | the join token is wrong   |
      | elsewhere    | s3cret     | the cluster name is wrong |

  Scenario: A replacement machine that starts under a member's name before the old one is declared dead is turned away
    When a new machine with an empty disk starts as node-2
    Then node-2 is rejected because its name is already in use

  Scenario: A node whose seeds never answer gives up and says so
    Given node-2 has crashed
    When node-4 joins through node-2
    Then node-4 is rejected because no seed answered
