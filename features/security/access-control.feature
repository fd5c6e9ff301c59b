@security
Feature: Clients authenticate and hold roles
  Authentication is off until an admin turns it on for the whole store. Then every request
  names a user, and the replica that serves it checks the user's password and roles in the
  role table, which lives in the store and changes only through its replicated log. A
  refused request changes nothing, is answered with the user, the operation and the missing
  permission, and is written to the audit log (attached to the report).

  Background:
    Given a running cluster of 3 nodes storing data in 2 shards with 3 replicas each
    And role "root" grants admin on every key
    And role "teller" grants read-write on keys starting with "accounts/"
    And role "auditor" grants read-only on keys starting with "accounts/"
    And role "own-account" grants read-write on keys starting with "accounts/bob"
    And user "root" with password "pw-root" holds role "root"
    And user "alice" with password "pw-alice" holds role "teller"
    And user "carol" with password "pw-carol" holds role "auditor"
    And user "bob" with password "pw-bob" holds role "own-account"
    And role "analyst" grants read-only on table "orders"
    And user "dan" with password "pw-dan" holds role "analyst"
    And "root" turns authentication on
    And user "alice" writes "100" to "accounts/alice"
    And user "alice" writes "100" to "accounts/bob"

  Scenario: A read-only user can read but cannot write
    When user "carol" reads "accounts/alice"
    Then user "carol" succeeds
    When user "carol" writes "0" to "accounts/alice"
    Then user "carol" is refused to write, lacking 'read-write on key "accounts/alice"'
    And user "root" reads "100" from "accounts/alice"
    And every refusal is in the audit log

  Scenario: A user without access to a keyspace cannot read it
    When user "bob" reads "accounts/alice"
    Then user "bob" is refused to read, lacking 'read-only on key "accounts/alice"'
    When user "carol" reads "payroll/march"
    Then user "carol" is refused to read, lacking 'read-only on key "payroll/march"'
    And every refusal is in the audit log

  Scenario: A transaction touching a forbidden key aborts entirely
    When user "bob" writes "200" to "accounts/bob" and "0" to "accounts/alice" in one transaction
    Then the transaction of user "bob" aborted, lacking 'read-write on key "accounts/alice"'
    And user "root" reads "100" from "accounts/bob"
    And user "root" reads "100" from "accounts/alice"
    And every refusal is in the audit log

  Scenario: Admin operations need the admin role
    When user "alice" tries to remove a replica of the shard holding "accounts/alice"
    Then user "alice" is refused to perform, lacking 'admin on every key'
    When user "alice" tries to create user "mallory"
    Then user "alice" is refused to perform, lacking 'admin on every key'
    When user "root" tries to create user "dave"
    Then user "root" succeeds
    And every refusal is in the audit log

  Scenario: A membership change without credentials is refused by the shard's leader
    When an operator without credentials tries to remove a replica of the shard holding "accounts/alice"
    Then the operator without credentials is refused to perform, lacking 'credentials (the request named no user)'
    When user "root" tries to remove a replica of the shard holding "accounts/alice"
    Then user "root" succeeds
    And every refusal is in the audit log

  Scenario: A request with a wrong password is refused
    When user "alice" writes "0" to "accounts/alice" with password "guessed"
    Then user "alice" is refused to write, lacking 'a valid user name and password'
    And user "root" reads "100" from "accounts/alice"
    And every refusal is in the audit log

  Scenario: A grant on a table covers its rows and nothing else
    When user "root" writes "shipped" to "table/orders/17"
    And user "root" writes "Ada" to "table/customers/3"
    Then user "dan" reads "shipped" from "table/orders/17"
    When user "dan" reads "table/customers/3"
    Then user "dan" is refused to read, lacking 'read-only on key "table/customers/3"'
    When user "dan" writes "lost" to "table/orders/17"
    Then user "dan" is refused to write, lacking 'read-write on key "table/orders/17"'
    And every refusal is in the audit log
