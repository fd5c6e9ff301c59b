@security @replication
Feature: Georeplicated keyspaces are read and written only by users who hold a role on them
  Every request to a region names its user, and the region that serves it checks the user's
  password and roles in its copy of the role table before anything else. Every region holds
  the table as replicated state and applies each change of it before the change is done. A
  refused request changes nothing in any region, is answered with the user, the operation
  and the missing permission, and is written to the audit log (attached to the report).
  Replication between regions is traffic between admitted nodes, not a user's request.

  Background:
    Given regions with these one-way latencies:
      | from    | to       | latency |
      | us-east | eu-west  | 80 ms   |
      | us-east | ap-south | 120 ms  |
      | eu-west | ap-south | 100 ms  |
    And keyspace "profiles" resolves conflicts by last-writer-wins
    And role "root" grants admin on every key
    And role "editor" grants read-write on georeplicated keyspace "profiles"
    And role "viewer" grants read-only on georeplicated keyspace "profiles"
    And role "newsreader" grants read-only on georeplicated keyspace "news"
    And user "root" with password "pw-root" holds role "root"
    And user "alice" with password "pw-alice" holds role "editor"
    And user "carol" with password "pw-carol" holds role "viewer"
    And user "bob" with password "pw-bob" holds role "newsreader"
    And "root" turns authentication on
    And user "alice" writes "profiles/ann" = "v1" in us-east
    And within 1 second every region reads "profiles/ann" as "v1"

  Scenario: A read-only user can read a georeplicated keyspace but cannot write it
    When user "carol" reads "profiles/ann" in eu-west
    Then user "carol" succeeds
    When user "carol" writes "profiles/ann" = "v2" in eu-west
    Then user "carol" is refused to write, lacking 'read-write on georeplicated keyspace "profiles"'
    And every region keeps reading "profiles/ann" as "v1" for 1 second
    And every refusal is in the audit log

  Scenario: A user without access to a georeplicated keyspace cannot read it
    When user "bob" reads "profiles/ann" in ap-south
    Then user "bob" is refused to read, lacking 'read-only on georeplicated keyspace "profiles"'
    And every refusal is in the audit log

  Scenario: A write with a wrong password is refused in every region
    When user "alice" writes "profiles/ann" = "stolen" in ap-south with password "guessed"
    Then user "alice" is refused to write, lacking 'a valid user name and password'
    And every region keeps reading "profiles/ann" as "v1" for 1 second
    And every refusal is in the audit log

  Scenario: A region that fails and comes back still holds its role table
    When the us-east region fails
    And the us-east region comes back
    And user "carol" writes "profiles/ann" = "v2" in us-east
    Then user "carol" is refused to write, lacking 'read-write on georeplicated keyspace "profiles"'
    When user "alice" writes "profiles/ann" = "v3" in us-east
    Then user "alice" succeeds
    And within 1 second every region reads "profiles/ann" as "v3"
    And every refusal is in the audit log

  Scenario: Changing the users of the regions needs the admin role
    When user "alice" tries to create user "mallory"
    Then user "alice" is refused to perform, lacking 'admin on every key'
    When user "root" tries to create user "dave"
    Then user "root" succeeds
    And every refusal is in the audit log

  Scenario: A role revoked while its user keeps writing in every region
    When user "alice" keeps writing keys starting with "profiles/log"
    And 1 second passes
    And "root" revokes role "editor" from "alice"
    And 1 second passes
    Then every write of user "alice" that started after the revocation was refused
    And every refusal is in the audit log
