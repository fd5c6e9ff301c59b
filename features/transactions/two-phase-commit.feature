@transactions
Feature: Transactions across shards commit or abort as a whole
  A transaction reads and writes keys on any shards, then commits or rolls back. Every
  shard taking part is a Raft group: its locks, its uncommitted writes and its vote are
  replicated, so they outlive its leader. The coordinator writes its decision into a
  transaction record, replicated in the shard that holds the transaction's first key,
  before it tells anyone. If the coordinator disappears, the shards find the decision
  there; no decision recorded means the transaction aborted.

  Money moves between accounts here. After every scenario, every replica is checked for
  a transaction that committed in one place and aborted in another, and the cycle
  checker reads the whole history of transactions for isolation anomalies.

  Background:
    Given a running cluster of 5 nodes storing data in 3 shards with 3 replicas each
    And these accounts, each on a different shard:
      | account | balance |
      | alice   | 100     |
      | bob     | 50      |
      | carol   | 0       |

  Rule: A transaction commits everywhere or nowhere

    @smoke
    Scenario: A transfer touching three shards commits on all of them
      When client "c1" transfers in one transaction:
        | from  | to    | amount |
        | alice | bob   | 30     |
        | alice | carol | 20     |
      Then client "c1"'s transaction committed
      And the balances are:
        | account | balance |
        | alice   | 50      |
        | bob     | 80      |
        | carol   | 20      |
      And within 1 second no transaction holds locks anywhere

    Scenario: A transfer that is rolled back changes nothing
      When client "c1" transfers 30 from "alice" to "bob" but rolls back instead of committing
      Then client "c1"'s transaction was aborted because "rolled back"
      And the balances are:
        | account | balance |
        | alice   | 100     |
        | bob     | 50      |
      And within 1 second no transaction holds locks anywhere

    Scenario: A participant votes no, so the whole transaction aborts
      Given the shard holding "bob" will refuse every change because "the account is frozen"
      When client "c1" transfers 30 from "alice" to "bob"
      Then client "c1"'s transaction was aborted because "the account is frozen"
      And the balances are:
        | account | balance |
        | alice   | 100     |
        | bob     | 50      |
      And within 1 second no transaction holds locks anywhere

    Scenario: A process that was never admitted cannot tell a client its transaction committed
      Given the shard holding "bob" will refuse every change because "the account is frozen"
      And a process that was never admitted answers the clients in the servers' place with "1000" for 5 seconds
      When client "c1" transfers 30 from "alice" to "bob"
      Then client "c1"'s transaction was aborted because "the account is frozen"
      And the balances are:
        | account | balance |
        | alice   | 100     |
        | bob     | 50      |
      And forged answers reached the clients, which ignored them
      And the code hidden in the intruder's messages never ran
      And within 1 second no transaction holds locks anywhere

    Scenario: A server that answers the coordinator in another shard's place cannot make a transfer abort
      When another node overhears every request to a server and answers it in that server's place for 5 seconds
      And client "c1" transfers 30 from "alice" to "bob"
      Then client "c1"'s transaction committed
      And the balances are:
        | account | balance |
        | alice   | 70      |
        | bob     | 80      |
      And forged answers reached the clients, which ignored them
      And within 1 second no transaction holds locks anywhere

  Rule: Locks and votes are replicated, so participants survive losing their leader

    Scenario: A participant's leader crashes before the transaction asks to commit
      Given client "c1" has begun transferring 30 from "alice" to "bob"
      When the leader of the shard holding "bob" crashes
      And client "c1" commits its transaction
      Then client "c1"'s transaction committed
      And the balances are:
        | account | balance |
        | alice   | 70      |
        | bob     | 80      |

    Scenario: A participant's leader crashes right after voting yes
      Given the leader of the shard holding "bob" will crash once every participant has voted
      When client "c1" transfers 30 from "alice" to "bob"
      Then client "c1"'s transaction committed
      And the balances are:
        | account | balance |
        | alice   | 70      |
        | bob     | 80      |

  Rule: Without its coordinator, a transaction is finished from its record

    Scenario: The coordinator crashes after the votes; recovery aborts the transaction
      Given the coordinator of client "c1" will crash once every participant has voted
      When client "c1" transfers 30 from "alice" to "bob"
      Then client "c1" does not know whether its transaction committed
      And within 2 seconds recovery has aborted the transaction of client "c1" wherever it was left
      And the balances are:
        | account | balance |
        | alice   | 100     |
        | bob     | 50      |
      When the coordinator of client "c1" restarts
      Then within 5 seconds client "c1" learns that its transaction aborted

    Scenario: The coordinator crashes after recording its decision; recovery commits the transaction
      Given the coordinator of client "c1" will crash once it has recorded its decision
      When client "c1" transfers in one transaction:
        | from  | to    | amount |
        | alice | bob   | 30     |
        | alice | carol | 20     |
      Then client "c1" does not know whether its transaction committed
      And within 2 seconds recovery has committed the transaction of client "c1" wherever it was left
      And the balances are:
        | account | balance |
        | alice   | 50      |
        | bob     | 80      |
        | carol   | 20      |
      And within 5 seconds client "c1" learns that its transaction committed

    Scenario: A partition cuts the coordinator off from a participant during the second phase
      Given the coordinator of client "c1" will be cut off from the shard holding "bob" once it has recorded its decision
      When client "c1" transfers 30 from "alice" to "bob"
      Then client "c1"'s transaction committed
      And within 2 seconds recovery has committed the transaction of client "c1" wherever it was left
      And the balances are:
        | account | balance |
        | alice   | 70      |
        | bob     | 80      |

  Rule: Conflicting transactions wait or abort (wait-die), never deadlock

    Scenario: A younger transaction that needs an older one's lock is aborted
      Given client "c1" has begun transferring 30 from "alice" to "bob"
      When client "c2" transfers 10 from "alice" to "bob"
      Then client "c2"'s transaction was aborted because "wait-die"
      When client "c1" commits its transaction
      Then client "c1"'s transaction committed
      And the balances are:
        | account | balance |
        | alice   | 70      |
        | bob     | 80      |

    Scenario: An older transaction waits for a younger one's lock
      Given client "c1" has begun a transaction
      And client "c2" has begun transferring 30 from "alice" to "bob"
      When client "c1" starts reading "alice" in its transaction
      And client "c2" commits its transaction
      Then client "c1" waited for a lock and then read 70 from "alice"
      And client "c2"'s transaction committed

  Rule: Fast paths

    Scenario: A transfer within one shard commits in one phase
      Given these accounts, all on one shard:
        | account | balance |
        | dave    | 10      |
        | erin    | 0       |
      When client "c1" transfers 4 from "dave" to "erin"
      Then client "c1"'s transaction committed in one phase
      And the balances are:
        | account | balance |
        | dave    | 6       |
        | erin    | 4       |

    Scenario: A shard that was only read takes no part in the second phase
      When client "c1" transfers 30 from "alice" to "bob" and reads "carol" in one transaction
      Then client "c1"'s transaction committed
      And the shard holding "carol" voted read-only and was left out of the second phase
