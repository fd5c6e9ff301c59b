@rebalancing @chaos
Feature: Data moves under chaos
  Random replica and slot moves run while a random fault schedule drawn from the
  scenario's seed crashes, pauses and partitions nodes and loses messages, and clients
  keep reading, writing and comparing-and-setting. Afterwards every client history must
  be linearizable, no acknowledged write lost, the Raft safety checker clean, every shard
  writable, and the placement map in agreement with every group's configuration.

  Scenario Outline: Moves under chaos with seed <seed>
    Given the simulation seed is <seed>
    And a running cluster of 5 nodes storing data in 3 shards with 3 replicas each that snapshot every 20 writes
    And 3 clients keep reading and writing 5 keys
    When random moves run for 20 seconds under random partitions, crashes, pauses and message loss
    Then every client history is linearizable
    And no acknowledged write was lost
    And the consensus safety checker saw no violation
    And within 10 seconds every shard accepts a new write
    And the placement map agrees with every group's configuration

    Examples:
      | seed |
      | 1    |
      | 2    |
      | 3    |
      | 4    |
      | 5    |

  @soak
  Scenario Outline: Moves under chaos, soak run with seed <seed>
    Given the simulation seed is <seed>
    And a running cluster of 5 nodes storing data in 3 shards with 3 replicas each that snapshot every 20 writes
    And 3 clients keep reading and writing 5 keys
    When random moves run for 20 seconds under random partitions, crashes, pauses and message loss
    Then every client history is linearizable
    And no acknowledged write was lost
    And the consensus safety checker saw no violation
    And within 10 seconds every shard accepts a new write
    And the placement map agrees with every group's configuration

    Examples:
      | seed |
      | 101  |
      | 102  |
      | 103  |
      | 104  |
      | 105  |
      | 106  |
      | 107  |
      | 108  |
      | 109  |
      | 110  |
      | 111  |
      | 112  |
      | 113  |
      | 114  |
      | 115  |
      | 116  |
      | 117  |
      | 118  |
      | 119  |
      | 120  |
      | 121  |
      | 122  |
      | 123  |
      | 124  |
      | 125  |
      | 126  |
      | 127  |
      | 128  |
      | 129  |
      | 130  |
      | 131  |
      | 132  |
      | 133  |
      | 134  |
      | 135  |
      | 136  |
      | 137  |
      | 138  |
      | 139  |
      | 140  |
      | 141  |
      | 142  |
      | 143  |
      | 144  |
      | 145  |
      | 146  |
      | 147  |
      | 148  |
      | 149  |
      | 150  |
      | 151  |
      | 152  |
      | 153  |
      | 154  |
      | 155  |
      | 156  |
      | 157  |
      | 158  |
      | 159  |
      | 160  |
      | 161  |
      | 162  |
      | 163  |
      | 164  |
      | 165  |
      | 166  |
      | 167  |
      | 168  |
      | 169  |
      | 170  |
      | 171  |
      | 172  |
      | 173  |
      | 174  |
      | 175  |
      | 176  |
      | 177  |
      | 178  |
      | 179  |
      | 180  |
      | 181  |
      | 182  |
      | 183  |
      | 184  |
      | 185  |
      | 186  |
      | 187  |
      | 188  |
      | 189  |
      | 190  |
      | 191  |
      | 192  |
      | 193  |
      | 194  |
      | 195  |
      | 196  |
      | 197  |
      | 198  |
      | 199  |
      | 200  |
