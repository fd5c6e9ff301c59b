Feature: ORDER BY and LIMIT across shards
  Every shard sorts its own rows and sends only its first rows (its top k); the
  coordinator merges the sorted lists with a heap. Results are checked against PostgreSQL.

  Background:
    Given a running cluster of 3 nodes storing data in 4 shards with 3 replicas each
    And a distributed table "scores" distributed by "player" with columns:
      | column | type | key |
      | player | text | yes |
      | game   | int  | yes |
      | points | int  |     |
    And the table "scores" holds these rows:
      | player | game | points |
      | ana    | 1    | 40     |
      | ana    | 2    | 95     |
      | bo     | 1    | 88     |
      | cy     | 1    | 70     |
      | cy     | 2    | 12     |
      | dee    | 1    | 95     |
      | Ed     | 1    | 61     |
      | fay    | 1    | NULL   |
      | gus    | 1    | 33     |
      | hal    | 1    | 77     |

  Scenario: The top three scores across all shards
    When this query is run:
      """
      SELECT player, game, points FROM scores ORDER BY points DESC NULLS LAST, player LIMIT 3
      """
    Then the result is:
      | player | game | points |
      | ana    | 2    | 95     |
      | dee    | 1    | 95     |
      | bo     | 1    | 88     |
    And the query asked 4 shards and received 9 rows from them

  Scenario: OFFSET skips rows after the merge
    When this query is run:
      """
      SELECT player, points FROM scores WHERE points IS NOT NULL ORDER BY points, player LIMIT 2 OFFSET 3
      """
    Then the result is:
      | player | points |
      | Ed     | 61     |
      | cy     | 70     |

  Scenario: Text sorts by code point, as PostgreSQL's "C" collation does
    When this query is run:
      """
      SELECT player, MAX(points) AS best FROM scores GROUP BY player ORDER BY player LIMIT 3
      """
    Then the result is:
      | player | best |
      | Ed     | 61   |
      | ana    | 95   |
      | bo     | 88   |

  Scenario: NULL sorts last ascending and first descending
    When this query is run:
      """
      SELECT player, points FROM scores WHERE game = 1 ORDER BY points DESC LIMIT 2
      """
    Then the result is:
      | player | points |
      | fay    | NULL   |
      | dee    | 95     |

  Scenario: The top groups by total, merged from partial sums
    When this query is run:
      """
      SELECT player, SUM(points) AS total FROM scores GROUP BY player ORDER BY total DESC NULLS LAST, player LIMIT 2
      """
    Then the result is:
      | player | total |
      | ana    | 135   |
      | dee    | 95    |
