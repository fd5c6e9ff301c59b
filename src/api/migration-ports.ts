import type { SlotCommand } from '../kv/slot-module';
import type { JournalRecord } from '../placement/state-machine';
import type { ConfigChange } from '../raft';
import type { GroupView, MigrationPorts, SlotCommandResult, SlotData } from '../rebalance/ports';
import type { NodeId } from '../runtime/ports';
import type { ShardId, SlotRange } from '../sharding/shard-map';
import type { Simulation } from '../sim';
import { CLUSTER_COMPONENT, type ShardedDatabase } from './database';

/**
 * The migration executor's ports over the simulated cluster. The executor is a control
 * process like PD's schedulers: it acts on a group through that group's current leader
 * (as the admin API's membership changes do) and on the map only through the placement
 * group's committed entries.
 */
export function migrationPorts(sim: Simulation, database: ShardedDatabase): MigrationPorts {
  const placement = database.placement;
  return {
    nowMs: () => sim.nowMs,
    schedule: (delayMs, callback) => void sim.scheduler.schedule(Math.max(0, delayMs), callback),
    map: () => database.shardMap,
    journal: () => placement.journal(),
    journalIsCurrent: () => placement.journalIsCurrent(),
    writeJournal: (record: JournalRecord, expectedStep, edit, reason, done) => {
      const map = database.shardMap;
      const shards = edit?.(map);
      const mapChange = shards === undefined ? undefined : { expectedEpoch: map.epoch, shards, reason, atMs: sim.nowMs };
      placement.propose({ kind: 'journal', record, expectedStep, ...(mapChange === undefined ? {} : { mapChange }) }, (outcome) => done(outcome.ok && outcome.result.status === 'ok'));
    },
    endJournal: (moveId, outcome, done) => {
      placement.propose({ kind: 'journal-end', moveId, outcome, atMs: sim.nowMs }, (result) => done(result.ok && result.result.status === 'ok'));
    },
    group: (shard) => groupView(database, shard),
    proposeConfigChange: (shard: ShardId, change: ConfigChange) => void database.changeMembership(shard, change, CLUSTER_COMPONENT),
    transferLeadership: (shard, to) => {
      const leader = database.leaderOf(shard);
      if (leader !== undefined) database.replica(shard, leader)!.transferLeadership(to);
    },
    openEmptyReplica: (node, shard) => {
      if (sim.node(node).state === 'running') database.openJoiningReplica(shard, node);
    },
    deleteReplica: (node, shard) => database.deleteReplica(node, shard),
    hostsOf: (shard) => sim.nodeIds.filter((node) => hostsOnDisk(sim, node, shard)),
    isUp: (node) => sim.hasNode(node) && sim.node(node).state === 'running',
    replicaBytes: (shard) => {
      const leader = database.leaderOf(shard);
      const machine = leader === undefined ? undefined : database.kvOn(leader)?.machine(shard);
      return machine === undefined ? 0 : JSON.stringify(machine.snapshot()).length;
    },
    createGroup: (shard: ShardId, voters: readonly NodeId[]) => {
      for (const node of voters) {
        if (sim.node(node).state === 'running') database.raftOn(node)?.ensureGroup({ groupId: shard, bootstrapConfig: { voters: [...voters], learners: [] } });
      }
    },
    proposeSlots: (shard, command: SlotCommand, done: (result: SlotCommandResult | undefined) => void) => {
      const leader = database.leaderOf(shard);
      if (leader === undefined) return done(undefined);
      database.replica(shard, leader)!.propose({ slots: command }, (outcome) => done(outcome.ok ? (outcome.result as SlotCommandResult) : undefined));
    },
    readSlots: (shard: ShardId, range: SlotRange, done: (data: SlotData | undefined) => void) => {
      const leader = database.leaderOf(shard);
      if (leader === undefined) return done(undefined);
      database.replica(shard, leader)!.readBarrier((outcome) => {
        const machine = database.kvOn(leader)?.machine(shard);
        if (!outcome.ok || machine === undefined) return done(undefined);
        const exported = machine.exportSlots(range);
        done({ ...exported, bytes: exported.entries.reduce((sum, [key, value]) => sum + key.length + value.length, 0) });
      });
    },
  };
}

/** The group as its running leader of the highest term sees it. */
export function groupView(database: ShardedDatabase, shard: ShardId): GroupView | undefined {
  const leader = database.currentLeaderOf(shard);
  if (leader === undefined) return undefined;
  const status = database.replica(shard, leader)!.status();
  return { leader, config: status.config, configCommitted: status.commitIndex >= status.configIndex, commitIndex: status.commitIndex, progress: status.progress ?? {} };
}

function hostsOnDisk(sim: Simulation, node: NodeId, shard: ShardId): boolean {
  const specs = sim.node(node).disk.get<{ groupId: string }[]>('raft/groups') ?? [];
  return specs.some((spec) => spec.groupId === shard);
}
