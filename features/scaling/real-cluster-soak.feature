@soak
Feature: The real cluster grows and shrinks without losing data, soak run
  The load-driven scenario of real-cluster.feature over more seeds, in blocks (one Examples
  row per block, so `--shard i/n` spreads them). Each seed runs in a fresh simulation with the
  same final oracles: Raft safety, linearizability, no lost write, the map agreeing with every
  group, no shard without its quorum, and every stopped node empty. Runs with the soak profile.

  Scenario Outline: Load up and down on the real cluster for seeds <first> to <last>
    Then every seed from <first> to <last> passes these steps:
      """
      Given a scaling policy:
        | cpu target         | 50%  |
        | replication factor | 3    |
        | max nodes          | 8    |
        | scale-down window  | 60 s |
      And an elastic cluster of 3 nodes that each serve 50 requests per second, holding 24 shards of 100 keys
      When 2 clients work on the cluster for 30 seconds
      And 12 clients work on the cluster
      And the cluster has grown to at least 6 server nodes within 2 minutes
      Then the shards are spread over every server node within 3 minutes
      When 2 clients work on the cluster
      Then the cluster has 3 server nodes within 8 minutes
      And every node removed held nothing when it stopped
      """

    Examples:
      | first | last |
      | 6     | 10   |
      | 11    | 15   |
      | 16    | 20   |
