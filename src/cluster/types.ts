/**
 * Vocabulary of cluster membership: member states, node metadata, the updates that
 * travel by gossip, and the views a node exposes.
 */
import type { NodeId } from '../runtime/ports';

/**
 * SWIM member states (Das et al. 2002, §4.2) plus `left` for a graceful departure.
 * `dead` means "declared failed by the failure detector"; `left` means "said goodbye".
 */
export type MemberState = 'alive' | 'suspect' | 'dead' | 'left';

export const MEMBER_STATES: readonly MemberState[] = ['alive', 'suspect', 'dead', 'left'];

/** Placement and size of a node; it travels with every alive update so every member knows it. */
export interface NodeMetadata {
  readonly region: string;
  readonly zone: string;
  /** Relative capacity (for example storage or CPU units); the unit is the operator's choice. */
  readonly capacity: number;
}

/**
 * One piece of membership news: "member `memberId` is `state` at `incarnation`".
 * Updates are immutable once created; the same object is shared by every message that
 * piggybacks it, so nothing is cloned per send.
 */
export interface MemberUpdate {
  readonly memberId: NodeId;
  readonly state: MemberState;
  readonly incarnation: number;
  /** Random nonce of the process that announced itself alive at this incarnation. */
  readonly instanceId: string;
  readonly metadata: NodeMetadata;
  /** For `suspect`: who suspects (Lifeguard counts distinct suspecters as confirmations). */
  readonly suspecterId?: NodeId;
}

/** What a node reports about one member, on its own local clock. */
export interface MemberView {
  readonly id: NodeId;
  readonly state: MemberState;
  readonly incarnation: number;
  readonly region: string;
  readonly zone: string;
  readonly capacity: number;
  /** Local clock time of the last direct evidence of life (or of the latest news) about the member. */
  readonly lastHeardMs: number;
}

/** Where a node is in its own life in the cluster. */
export type JoinPhase =
  | 'idle' // created, not yet asked to join
  | 'joining' // waiting for a seed to answer
  | 'member' // admitted (or founded the cluster)
  | 'rejected' // a seed refused us; see `rejected`
  | 'gave-up' // no seed answered within the retry budget
  | 'leaving' // announced `left`, still gossiping it for a grace period
  | 'left'; // gone: ignores everything

export type JoinRejectionReason = 'wrong-token' | 'wrong-cluster' | 'duplicate-id' | 'seeds-unreachable';

export interface JoinRejection {
  readonly reason: JoinRejectionReason;
  /** A sentence an operator can act on. */
  readonly message: string;
  /** The seed that refused, absent for `seeds-unreachable`. */
  readonly seedId?: NodeId;
}

/** Everything one node can say about the cluster at one instant of its local clock. */
export interface MembershipView {
  readonly observerId: NodeId;
  readonly observedAtMs: number;
  readonly phase: JoinPhase;
  readonly incarnation: number;
  /** Sorted by member id; includes the observer itself and dead/left members. */
  readonly members: readonly MemberView[];
}

export type MembershipEvent =
  | {
      readonly kind: 'member-state-changed';
      readonly memberId: NodeId;
      readonly previousState: MemberState | undefined;
      readonly state: MemberState;
      readonly incarnation: number;
      readonly atMs: number;
    }
  | { readonly kind: 'joined'; readonly seedId: NodeId | undefined; readonly incarnation: number; readonly atMs: number }
  | { readonly kind: 'join-rejected'; readonly rejection: JoinRejection; readonly atMs: number }
  | { readonly kind: 'join-attempt'; readonly seedId: NodeId; readonly attempt: number; readonly atMs: number }
  | { readonly kind: 'refuted'; readonly incarnation: number; readonly accusedState: MemberState; readonly atMs: number }
  | { readonly kind: 'stalled'; readonly gapMs: number; readonly atMs: number }
  | { readonly kind: 'left'; readonly atMs: number };

/** A message to send, produced by the pure core and sent by the host. */
export interface Outgoing<M> {
  readonly to: NodeId;
  readonly message: M;
}
