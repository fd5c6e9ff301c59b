export { chooseLeaders, leadersPerNodeMax, type PlacementNode, placeReplicas } from './placement';
export {
  createShardMap,
  emptyShardMap,
  findShard,
  leaderCounts,
  moveReplica,
  moveSlots,
  planShards,
  type PlanShardsOptions,
  replicaCounts,
  setPreferredLeader,
  type Shard,
  shardById,
  type ShardId,
  shardForKey,
  type ShardMap,
  validateShardMap,
} from './shard-map';
export { evenSlotRanges, hashSlotCount, isSlot, rangesFromSlots, type SlotRange, slotForKey, slotsOf } from './slots';
