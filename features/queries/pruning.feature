Feature: Shard pruning and pushdown move less data
  A condition on the distribution column sends the query only to the shards owning the
  matching slots; filters, projections and partial aggregates run at the shards, so only
  what the answer needs travels.

  Background:
    Given a running cluster of 3 nodes storing data in 4 shards with 3 replicas each
    And a distributed table "events" distributed by "device" with columns:
      | column | type | key |
      | device | int  | yes |
      | seq    | int  | yes |
      | level  | int  |     |
      | kind   | text |     |
    And the table "events" holds 400 rows generated from seed 11

  Scenario: Pruning asks fewer shards and moves fewer rows than a scatter
    When this query is run:
      """
      SELECT COUNT(*), MAX(level) FROM events WHERE device IN (7, 12)
      """
    Then the query asked 2 shards and received 2 rows from them
    When the same query is run without shard pruning
    Then the query asked 4 shards and received 4 rows from them

  Scenario: Pushdown sends partial aggregates instead of every row
    When this query is run:
      """
      SELECT kind, COUNT(*), AVG(level) FROM events GROUP BY kind
      """
    Then the query asked 4 shards and received 36 rows from them
    When the same query is run without pushdown
    Then the query asked 4 shards and received 400 rows from them

  Scenario: A filter runs at the shards, so only matching rows travel
    When this query is run:
      """
      SELECT device, seq FROM events WHERE level >= 990
      """
    Then the result has 7 rows
    And the query asked 4 shards and received 7 rows from them

  Scenario: NOT IN on the distribution column asks every shard, as matching rows may be on any of them
    When this query is run:
      """
      SELECT COUNT(*), MAX(level) FROM events WHERE device NOT IN (7, 12)
      """
    Then the query asked 4 shards and received 4 rows from them
