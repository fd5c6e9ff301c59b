/**
 * Wire messages of discovery (`join.*`) and of the SWIM failure detector (`swim.*`).
 * Plain immutable objects: the network counts them by `type`.
 */
import type { Message, NodeId } from '../runtime/ports';
import type { JoinRejectionReason, MemberUpdate, NodeMetadata } from './types';

/** A joiner asks a seed for admission (discovery and registration). */
export interface JoinRequest extends Message {
  readonly type: 'join.request';
  readonly clusterName: string;
  readonly joinToken: string;
  readonly instanceId: string;
  readonly incarnation: number;
  /** True when the joiner read an incarnation from its own disk: it is a restart, not a newcomer. */
  readonly restarted: boolean;
  readonly metadata: NodeMetadata;
}

export interface JoinAccept extends Message {
  readonly type: 'join.accept';
  /** Echo of the joiner's instance, so a stale answer to an older process is ignored. */
  readonly instanceId: string;
  /** The incarnation the joiner must use: above any record the cluster still holds of its id. */
  readonly incarnation: number;
  /** The seed's full member table (push-pull at join, as memberlist does). */
  readonly members: readonly MemberUpdate[];
}

export interface JoinReject extends Message {
  readonly type: 'join.reject';
  readonly instanceId: string;
  readonly reason: JoinRejectionReason;
  readonly text: string;
}

/** Fields every SWIM message carries. */
interface SwimEnvelope extends Message {
  /** The sender's own incarnation: lets a receiver drop news from a node it buried at or above it. */
  readonly fromIncarnation: number;
  /** Piggybacked membership updates (SWIM §4.1 dissemination component). */
  readonly updates: readonly MemberUpdate[];
}

export interface Ping extends SwimEnvelope {
  readonly type: 'swim.ping';
  readonly sequence: number;
}

export interface Ack extends SwimEnvelope {
  readonly type: 'swim.ack';
  readonly sequence: number;
}

/** SWIM §3.1: "ping-req(M_j)" asks an intermediary to probe `targetId` on our behalf. */
export interface PingRequest extends SwimEnvelope {
  readonly type: 'swim.ping-req';
  readonly sequence: number;
  readonly targetId: NodeId;
}

/** An intermediary relays the target's ack to the original prober. */
export interface IndirectAck extends SwimEnvelope {
  readonly type: 'swim.indirect-ack';
  readonly sequence: number;
  readonly targetId: NodeId;
}

/** Extra dissemination to a few random members between probes (memberlist's gossip interval). */
export interface Gossip extends SwimEnvelope {
  readonly type: 'swim.gossip';
}

/** Anti-entropy: full member tables exchanged with one random member. */
export interface PushPull extends SwimEnvelope {
  readonly type: 'swim.push-pull';
  readonly isReply: boolean;
  readonly members: readonly MemberUpdate[];
}

export type SwimMessage = Ping | Ack | PingRequest | IndirectAck | Gossip | PushPull;
export type JoinMessage = JoinRequest | JoinAccept | JoinReject;
export type ClusterMessage = SwimMessage | JoinMessage;

const SWIM_TYPES: ReadonlySet<string> = new Set([
  'swim.ping',
  'swim.ack',
  'swim.ping-req',
  'swim.indirect-ack',
  'swim.gossip',
  'swim.push-pull',
]);
const JOIN_TYPES: ReadonlySet<string> = new Set(['join.request', 'join.accept', 'join.reject']);

/** True for messages this component understands; others are left to other protocols. */
export function isClusterMessage(message: Message): message is ClusterMessage {
  return SWIM_TYPES.has(message.type) || JOIN_TYPES.has(message.type);
}

export function isSwimMessage(message: Message): message is SwimMessage {
  return SWIM_TYPES.has(message.type);
}
