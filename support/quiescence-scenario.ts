import type { NodeId } from '../src/runtime/ports';
import { consensus, type ConsensusScenario } from './consensus-scenario';
import type { PhantomWorld } from './world';

/**
 * The quiescence part of a consensus scenario: whether the scenario's one group has gone
 * quiet (every running member's timers stopped because the group is idle), and how many
 * consensus messages its nodes sent. Steps call these; waits are bounded by the steps.
 */
export class QuiescenceScenario {
  constructor(private readonly world: PhantomWorld) {}

  private get group(): ConsensusScenario {
    return consensus(this.world);
  }

  /** Every running member of the group is quiesced and has committed the leader's whole
   *  log (there is a leader, and at least one member). */
  isQuiet(): boolean {
    const leader = this.group.leader();
    const members = this.group.members();
    if (leader === undefined || members.length === 0) return false;
    const lastIndex = this.group.status(leader).lastIndex;
    return members.every((node) => {
      const status = this.group.status(node);
      return status.quiesced && status.commitIndex === lastIndex;
    });
  }

  /** Members that are not quiesced, for failure messages. */
  awakeMembers(): NodeId[] {
    return this.group.members().filter((node) => !this.group.status(node).quiesced);
  }

  /** Consensus messages sent so far by every node (the scenario has one group). */
  consensusMessagesSent(): number {
    let sent = 0;
    for (const [type, counters] of this.world.sim.network.typeCounters) if (type.startsWith('raft.')) sent += counters.sent;
    return sent;
  }

  /** One line per member: role, term and whether it is quiesced. */
  describe(): string {
    return this.group.members().map((node) => {
      const status = this.group.status(node);
      return `${node} ${status.role} term ${status.term}${status.quiesced ? ' quiesced' : ' awake'}`;
    }).join('; ');
  }
}

export function quiescence(world: PhantomWorld): QuiescenceScenario {
  return world.part('quiescence', () => new QuiescenceScenario(world));
}
