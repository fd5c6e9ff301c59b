import { type MemberProcess, PEERS_DISK_KEY } from '../cluster';
import { BoundaryCounters, MessageBoundary } from '../runtime/message-boundary';
import type { NodeRuntime } from '../runtime/node-runtime';
import type { RaftService } from '../runtime/raft-service';
import type { NodeEnv, NodeId } from '../runtime/ports';
import { serverWireRules } from './wire-rules';

/**
 * Who a server node listens to beyond membership and client requests: peers admitted
 * through the join handshake (cluster name and token) that have not left. Dead members
 * are still heard (a false suspicion must not cut a live replica off; Raft is safe
 * either way); a member that left, or a process the cluster never admitted, is not.
 *
 * News of an admission spreads by gossip, so a node may hear from a new peer before it
 * hears of it. Two other authorities then vouch for the sender: the configuration of a
 * Raft group hosted here (set by an admin, as etcd admits peers by its member list), and,
 * on a restarted node whose member table is still empty, the peers it saved on its disk
 * while it was a member. A member that left is refused whatever vouches for it.
 */
export function isAdmittedPeer(member: MemberProcess, env: NodeEnv, from: NodeId, inHostedGroup: (node: NodeId) => boolean): boolean {
  const state = member.stateOf(from);
  if (state !== undefined) return state !== 'left';
  if (inHostedGroup(from)) return true;
  return (env.disk.get<readonly NodeId[]>(PEERS_DISK_KEY) ?? []).includes(from);
}

let rules: ReturnType<typeof serverWireRules> | undefined;

/** Puts the message boundary in front of a server node's services. */
export function guardServerNode(runtime: NodeRuntime, env: NodeEnv, member: MemberProcess, counters: BoundaryCounters): void {
  rules ??= serverWireRules();
  const inHostedGroup = (node: NodeId): boolean => {
    const raft = runtime.service<RaftService>('raft');
    return raft?.groupIds.some((groupId) => isInConfig(raft.group(groupId)!.status().config, node)) ?? false;
  };
  runtime.guard(
    new MessageBoundary(env.id, {
      rules,
      admitted: (from) => isAdmittedPeer(member, env, from, inHostedGroup),
      counters,
      trace: (kind, detail) => env.trace(kind, detail),
    }),
  );
}

function isInConfig(config: { voters: readonly NodeId[]; learners: readonly NodeId[] }, node: NodeId): boolean {
  return config.voters.includes(node) || config.learners.includes(node);
}

export { BoundaryCounters };
