/**
 * Suspicion timers with Lifeguard's confirmations (Dadgar et al. 2018, §IV-B): each
 * distinct member that independently suspects the same incarnation shortens the timeout,
 * from `maximum` toward `minimum`. The earliest deadline is cached so the host can ask for
 * its next wake-up in O(1); the cache is refreshed once per tick, not per message.
 */
import type { NodeId } from '../runtime/ports';
import { invariant } from './invariant';

export interface Suspicion {
  readonly memberId: NodeId;
  readonly incarnation: number;
  readonly startedMs: number;
  readonly suspecterIds: Set<NodeId>;
  deadlineMs: number;
}

/** Timeout for a suspicion confirmed by `confirmations` members beyond the first suspecter. */
export type TimeoutRule = (confirmations: number) => number;

export class Suspicions {
  private readonly byMember = new Map<NodeId, Suspicion>();
  private earliestDeadlineMs = Infinity;

  get size(): number {
    return this.byMember.size;
  }

  get(memberId: NodeId): Suspicion | undefined {
    return this.byMember.get(memberId);
  }

  start(memberId: NodeId, incarnation: number, suspecterId: NodeId, nowMs: number, timeout: TimeoutRule): void {
    const suspicion: Suspicion = {
      memberId,
      incarnation,
      startedMs: nowMs,
      suspecterIds: new Set([suspecterId]),
      deadlineMs: nowMs + timeout(0),
    };
    invariant(suspicion.deadlineMs > nowMs, `suspicion timeout must be positive for ${memberId}`);
    this.byMember.set(memberId, suspicion);
    this.earliestDeadlineMs = Math.min(this.earliestDeadlineMs, suspicion.deadlineMs);
  }

  /** Records an independent suspecter; true when it is new (worth re-gossiping). */
  confirm(memberId: NodeId, incarnation: number, suspecterId: NodeId, timeout: TimeoutRule): boolean {
    const suspicion = this.byMember.get(memberId);
    if (!suspicion || suspicion.incarnation !== incarnation || suspicion.suspecterIds.has(suspecterId)) return false;
    suspicion.suspecterIds.add(suspecterId);
    suspicion.deadlineMs = Math.min(suspicion.deadlineMs, suspicion.startedMs + timeout(suspicion.suspecterIds.size - 1));
    this.earliestDeadlineMs = Math.min(this.earliestDeadlineMs, suspicion.deadlineMs);
    return true;
  }

  cancel(memberId: NodeId): void {
    this.byMember.delete(memberId);
  }

  nextDeadlineMs(): number {
    return this.earliestDeadlineMs;
  }

  /** Removes and returns the suspicions due at `nowMs`, and refreshes the cached deadline. */
  takeExpired(nowMs: number): Suspicion[] {
    const expired: Suspicion[] = [];
    let earliestMs = Infinity;
    for (const suspicion of this.byMember.values()) {
      if (suspicion.deadlineMs <= nowMs) expired.push(suspicion);
      else earliestMs = Math.min(earliestMs, suspicion.deadlineMs);
    }
    for (const suspicion of expired) this.byMember.delete(suspicion.memberId);
    this.earliestDeadlineMs = earliestMs;
    return expired;
  }

  /**
   * After our own stall (or a backward jump of our clock), every accused member gets at least
   * a minimum timeout from now to refute, since we could not have heard it; and no more than a
   * maximum timeout, so a clock that jumped back does not postpone the verdict indefinitely.
   */
  rebase(nowMs: number, minimumMs: number, maximumMs: number): void {
    let earliestMs = Infinity;
    for (const suspicion of this.byMember.values()) {
      suspicion.deadlineMs = Math.min(Math.max(suspicion.deadlineMs, nowMs + minimumMs), nowMs + maximumMs);
      earliestMs = Math.min(earliestMs, suspicion.deadlineMs);
    }
    this.earliestDeadlineMs = earliestMs;
  }
}
