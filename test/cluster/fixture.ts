/**
 * Builds membership clusters on the test world and records what every node said.
 */
import { clusterAgreement, findDisagreements } from '../../src/cluster/agreement';
import { createMemberProcess, type MemberProcess, type MemberProcessOptions } from '../../src/cluster/member-process';
import type { MembershipTuning } from '../../src/cluster/options';
import type { MemberState, MembershipEvent, MembershipView, NodeMetadata } from '../../src/cluster/types';
import type { NodeId } from '../../src/runtime/ports';
import { TestWorld, type WorldOptions } from './harness';

export const CLUSTER_NAME = 'phantom';
export const JOIN_TOKEN = 'secret-token';

export interface LoggedEvent {
  readonly virtualMs: number;
  readonly observerId: NodeId;
  readonly event: MembershipEvent;
}

export interface ClusterFixtureOptions extends WorldOptions {
  readonly tuning?: Partial<MembershipTuning>;
}

export class ClusterFixture {
  readonly world: TestWorld;
  readonly log: LoggedEvent[] = [];
  private readonly tuning: Partial<MembershipTuning> | undefined;

  constructor(options: ClusterFixtureOptions = {}) {
    this.world = new TestWorld(options);
    this.tuning = options.tuning;
  }

  static nodeId(index: number): NodeId {
    return `n${String(index).padStart(2, '0')}`;
  }

  /** Adds (not starts) a member node with the usual credentials unless overridden. */
  addMember(id: NodeId, overrides: Partial<MemberProcessOptions> = {}): void {
    const metadata: Partial<NodeMetadata> = { region: 'eu-west', zone: `zone-${(hashIndex(id) % 3) + 1}`, capacity: 10 };
    this.world.addNode(
      id,
      createMemberProcess({
        clusterName: CLUSTER_NAME,
        joinToken: JOIN_TOKEN,
        seeds: ['n00'],
        metadata,
        tuning: this.tuning,
        onEvent: (observerId, event) => this.log.push({ virtualMs: this.world.nowMs, observerId, event }),
        ...overrides,
      }),
    );
  }

  /**
   * Starts `count` nodes n00.. that all join through n00, `staggerMs` apart, and (by default)
   * runs until they agree. Returns the virtual time agreement was first seen, if awaited.
   */
  startCluster(count: number, options: { staggerMs?: number; awaitAgreementWithinMs?: number } = {}): number | undefined {
    const staggerMs = options.staggerMs ?? 0;
    for (let index = 0; index < count; index++) {
      const id = ClusterFixture.nodeId(index);
      this.addMember(id);
      this.world.schedule(index * staggerMs, () => this.world.start(id));
    }
    this.world.runFor(0);
    const withinMs = options.awaitAgreementWithinMs ?? 10_000;
    if (withinMs === 0) return undefined;
    return this.world.runUntil(() => this.agreeAmong(count), count * staggerMs + withinMs);
  }

  member(id: NodeId): MemberProcess {
    return this.world.processOf<MemberProcess>(id);
  }

  /** Views of the nodes whose process is up and running (paused nodes cannot be asked). */
  views(): MembershipView[] {
    return this.world
      .upNodeIds()
      .filter((id) => this.world.statusOf(id) === 'running')
      .map((id) => this.member(id).view());
  }

  agreed(): boolean {
    return clusterAgreement(this.views());
  }

  /** Agreement, and every running node is a member that knows `count` members. */
  agreeAmong(count: number): boolean {
    const views = this.views();
    return views.length > 0 && views.every((view) => view.phase === 'member' && view.members.length === count) && clusterAgreement(views);
  }

  disagreements(): string[] {
    return findDisagreements(this.views());
  }

  /** True when every running member other than `memberId` holds it in `state`. */
  everyoneElseSees(memberId: NodeId, state: MemberState): boolean {
    return this.views()
      .filter((view) => view.observerId !== memberId && view.phase === 'member')
      .every((view) => view.members.find((member) => member.id === memberId)?.state === state);
  }

  /** Every (observer, time) at which someone declared `memberId` in `state`. */
  declarations(memberId: NodeId, state: MemberState): LoggedEvent[] {
    return this.log.filter(
      ({ event }) => event.kind === 'member-state-changed' && event.memberId === memberId && event.state === state,
    );
  }

  /** Every event in which an observer moved some member to `state`. */
  allDeclarations(state: MemberState): LoggedEvent[] {
    return this.log.filter(({ event }) => event.kind === 'member-state-changed' && event.state === state);
  }
}

function hashIndex(id: string): number {
  let sum = 0;
  for (let index = 0; index < id.length; index++) sum += id.charCodeAt(index);
  return sum;
}
