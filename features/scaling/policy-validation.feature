Feature: A scaling policy that makes no sense is refused, naming the field

  Scenario Outline: Refused: <problem>
    When an operator submits this scaling policy:
      | replication factor | 3       |
      | cpu target         | 70%     |
      | <field>            | <value> |
    Then the policy is refused naming "<named>" because "<because>"

    Examples:
      | problem                          | field           | value             | named                       | because                          |
      | min above max                    | min nodes       | 120               | minNodes                    | is greater than maxNodes (100)   |
      | max below the replication factor | max nodes       | 2                 | maxNodes                    | below the replication factor (3) |
      | min below the replication factor | min nodes       | 2                 | minNodes                    | below the replication factor (3) |
      | a target of zero                 | cpu target      | 0%                | metrics[0].averageValue     | must be greater than 0           |
      | a zero rate                      | scale-down rate | 0 nodes per 60 s  | scaleDown.policies[0].value | greater than 0                   |
      | an unknown select policy         | scale-up select | Fastest           | scaleUp.selectPolicy        | must be Max, Min or Disabled     |
      | a tolerance of one               | tolerance       | 1                 | tolerance                   | below 1                          |
