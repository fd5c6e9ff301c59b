@security
Feature: Rebalancing, placement requests and scaling policies need the admin role
  Splitting, merging or moving a shard, starting a rebalance and changing the scaling
  policy are admin operations, like membership changes and creating users. Once
  authentication is on, a user without the admin role is refused with the user, the
  operation and the missing permission; nothing moves and the policy stays as it was; the
  refusal is in the audit log (attached to the report). The scaling policy is state of the
  placement group, replicated through its log, and the autoscaler follows the committed one.

  Scenario: Splitting, moving a replica and starting a rebalance are refused to a non-admin
    Given a running cluster of 4 nodes storing data in 2 shards with 3 replicas each
    And role "root" grants admin on every key
    And role "teller" grants read-write on every key
    And user "root" with password "pw-root" holds role "root"
    And user "alice" with password "pw-alice" holds role "teller"
    And "root" turns authentication on
    When user "alice" tries to split the shard holding "accounts/alice"
    Then user "alice" is refused to perform, lacking 'admin on every key'
    And the shard map stays as it was for 2 seconds
    When user "alice" tries to move a replica of the shard holding "accounts/alice" to a node without one
    Then user "alice" is refused to perform, lacking 'admin on every key'
    And the shard map stays as it was for 2 seconds
    When user "alice" tries to start a rebalance
    Then user "alice" is refused to perform, lacking 'admin on every key'
    And the shard map stays as it was for 2 seconds
    When user "root" tries to split the shard holding "accounts/alice"
    Then user "root" succeeds
    And within 30 seconds the requested moves are done
    When user "root" tries to start a rebalance
    Then user "root" succeeds
    And within 60 seconds the requested moves are done
    And every refusal is in the audit log

  Scenario: Only an admin changes the scaling policy, and the autoscaler follows the committed one
    Given a scaling policy:
      | min nodes           | 3   |
      | max nodes           | 6   |
      | replication factor  | 3   |
      | cpu target          | 50% |
      | evaluation interval | 5 s |
    And an elastic cluster of 3 nodes that each serve 50 requests per second, holding 4 shards of 40 keys
    And role "root" grants admin on every key
    And role "operator" grants read-write on every key
    And user "root" with password "pw-root" holds role "root"
    And user "alice" with password "pw-alice" holds role "operator"
    And "root" turns authentication on
    When user "alice" tries to change the scaling policy to:
      | min nodes           | 4   |
      | max nodes           | 6   |
      | replication factor  | 3   |
      | cpu target          | 50% |
      | evaluation interval | 5 s |
    Then user "alice" is refused to perform, lacking 'admin on every key'
    And the cluster keeps 3 server nodes for 30 seconds
    When user "root" tries to change the scaling policy to:
      | min nodes           | 4   |
      | max nodes           | 6   |
      | replication factor  | 3   |
      | cpu target          | 50% |
      | evaluation interval | 5 s |
    Then user "root" succeeds
    And the cluster has 4 server nodes within 1 minute
    And every refusal is in the audit log
    # The final checks read every key without credentials.
    When "root" turns authentication off
