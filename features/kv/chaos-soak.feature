@kv @chaos @soak
Feature: Linearizable under chaos, soak run
  The chaos scenario over a hundred seeds. Runs with the soak profile only
  (npx cucumber-js --profile soak); a failing row replays from its seed.

  Scenario Outline: Soak chaos run with seed <seed>
    Given the simulation seed is <seed>
    And a running cluster of 5 nodes storing data in 3 shards with 3 replicas each
    And 4 clients reading, writing and comparing-and-setting 5 keys
    When a random fault schedule runs for 60 seconds with partitions, crashes, pauses and message loss
    Then every client history is linearizable
    And no acknowledged write was lost
    And the consensus safety checker saw no violation
    And within 10 seconds every shard accepts a new write
    And the clients completed at least 100 operations

    Examples:
      | seed |
      | 1001 |
      | 1002 |
      | 1003 |
      | 1004 |
      | 1005 |
      | 1006 |
      | 1007 |
      | 1008 |
      | 1009 |
      | 1010 |
      | 1011 |
      | 1012 |
      | 1013 |
      | 1014 |
      | 1015 |
      | 1016 |
      | 1017 |
      | 1018 |
      | 1019 |
      | 1020 |
      | 1021 |
      | 1022 |
      | 1023 |
      | 1024 |
      | 1025 |
      | 1026 |
      | 1027 |
      | 1028 |
      | 1029 |
      | 1030 |
      | 1031 |
      | 1032 |
      | 1033 |
      | 1034 |
      | 1035 |
      | 1036 |
      | 1037 |
      | 1038 |
      | 1039 |
      | 1040 |
      | 1041 |
      | 1042 |
      | 1043 |
      | 1044 |
      | 1045 |
      | 1046 |
      | 1047 |
      | 1048 |
      | 1049 |
      | 1050 |
      | 1051 |
      | 1052 |
      | 1053 |
      | 1054 |
      | 1055 |
      | 1056 |
      | 1057 |
      | 1058 |
      | 1059 |
      | 1060 |
      | 1061 |
      | 1062 |
      | 1063 |
      | 1064 |
      | 1065 |
      | 1066 |
      | 1067 |
      | 1068 |
      | 1069 |
      | 1070 |
      | 1071 |
      | 1072 |
      | 1073 |
      | 1074 |
      | 1075 |
      | 1076 |
      | 1077 |
      | 1078 |
      | 1079 |
      | 1080 |
      | 1081 |
      | 1082 |
      | 1083 |
      | 1084 |
      | 1085 |
      | 1086 |
      | 1087 |
      | 1088 |
      | 1089 |
      | 1090 |
      | 1091 |
      | 1092 |
      | 1093 |
      | 1094 |
      | 1095 |
      | 1096 |
      | 1097 |
      | 1098 |
      | 1099 |
      | 1100 |
