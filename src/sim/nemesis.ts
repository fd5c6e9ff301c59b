import type { NodeId } from '../runtime/ports';
import type { SeededRandom } from './random';
import type { Simulation } from './simulation';

export type FaultKind = 'partition' | 'crash' | 'pause' | 'loss' | 'duplication' | 'clock-skew';

export const FAULT_KINDS: readonly FaultKind[] = ['partition', 'crash', 'pause', 'loss', 'duplication', 'clock-skew'];

export interface NemesisOptions {
  /** Nodes the nemesis may hurt. */
  nodes: readonly NodeId[];
  faults: readonly FaultKind[];
  /** Pause between the start of one fault and the next. */
  gapMs?: { minMs: number; maxMs: number };
  /** How long each fault lasts before it is undone. */
  faultDurationMs?: { minMs: number; maxMs: number };
  /** At most this many nodes crashed or paused at once; defaults to a minority. */
  maxNodesDown?: number;
  /** Upper bound of message loss/duplication while such a fault is on. */
  maxLossProbability?: number;
  /** Upper bound of clock offsets the nemesis sets, both ways. */
  maxClockOffsetMs?: number;
}

export interface FaultRecord {
  startMs: number;
  endMs?: number;
  kind: FaultKind;
  description: string;
  /** Nodes the fault acted on (crash, pause, clock skew). */
  nodes?: readonly NodeId[];
  /** The sides of a partition. */
  sides?: readonly (readonly NodeId[])[];
  /** True for faults on every link (loss, duplication). */
  everywhere?: boolean;
}

type AppliedFault = Pick<FaultRecord, 'description' | 'nodes' | 'sides' | 'everywhere'> & { revert: () => void };

/**
 * A random fault schedule drawn from the simulation's seed (a Jepsen-style nemesis).
 *
 * During the safety phase it injects partitions, crashes, pauses, loss, duplication and
 * clock skew, each undone after a while; `healAll()` then ends every fault so a liveness
 * phase can require progress. Faults never overlap on the same node.
 *
 * Kinds are dealt from a shuffled deck of the requested kinds, so every requested kind is
 * tried within the first rounds (the nemesis audit fails a run where a requested kind never
 * happened); a kind that cannot be applied right now (a second partition, too many nodes
 * down) stays in the deck for the next round.
 */
export class Nemesis {
  private readonly random: SeededRandom;
  private readonly options: Required<NemesisOptions>;
  private readonly down = new Set<NodeId>();
  private readonly undo = new Map<number, () => void>();
  private nextFaultId = 0;
  private networkFaultActive = false;
  private stopped = false;
  private deck: FaultKind[] = [];
  readonly log: FaultRecord[] = [];

  constructor(private readonly sim: Simulation, options: NemesisOptions) {
    if (options.nodes.length === 0) throw new Error('the nemesis needs at least one node');
    if (options.faults.length === 0) throw new Error('the nemesis needs at least one kind of fault');
    this.random = sim.random.stream('nemesis');
    this.options = {
      gapMs: { minMs: 300, maxMs: 2000 },
      faultDurationMs: { minMs: 500, maxMs: 5000 },
      maxNodesDown: Math.floor((options.nodes.length - 1) / 2),
      maxLossProbability: 0.3,
      maxClockOffsetMs: 500,
      ...options,
    };
  }

  /** Starts injecting faults now, until `stop()` or `healAll()`. */
  start(): void {
    this.stopped = false;
    this.scheduleNext();
  }

  /** Stops injecting new faults and undoes every active one: the end of the safety phase. */
  healAll(): void {
    this.stopped = true;
    for (const [id, revert] of [...this.undo]) {
      this.undo.delete(id);
      revert();
    }
    this.sim.network.heal();
    this.sim.network.setFaults({ lossProbability: 0, duplicateProbability: 0 });
    for (const node of this.sim.nodes) {
      if (node.state === 'paused') node.resume();
      if (node.state === 'crashed') node.start();
    }
    this.sim.trace.record({ timeMs: this.sim.nowMs, kind: 'nemesis.heal-all' });
  }

  private scheduleNext(): void {
    const { minMs, maxMs } = this.options.gapMs;
    this.sim.scheduler.schedule(this.random.between(minMs, maxMs), () => {
      if (this.stopped) return;
      this.injectOne();
      this.scheduleNext();
    });
  }

  /** The first kind in the deck that can be applied now, taken out of the deck. */
  private dealOne(): { kind: FaultKind; applied: AppliedFault } | null {
    if (this.deck.length === 0) this.deck = this.random.shuffle([...new Set(this.options.faults)]);
    for (let index = 0; index < this.deck.length; index++) {
      const kind = this.deck[index];
      const applied = this.apply(kind);
      if (!applied) continue;
      this.deck.splice(index, 1);
      return { kind, applied };
    }
    return null;
  }

  private injectOne(): void {
    const dealt = this.dealOne();
    if (!dealt) return;
    const { kind, applied } = dealt;
    const id = this.nextFaultId++;
    const { revert: _revert, ...scope } = applied;
    const record: FaultRecord = { startMs: this.sim.nowMs, kind, ...scope };
    this.log.push(record);
    this.sim.trace.record({ timeMs: this.sim.nowMs, kind: 'nemesis.fault', detail: { fault: kind, description: applied.description } });
    const revert = (): void => {
      applied.revert();
      record.endMs = this.sim.nowMs;
      this.sim.trace.record({ timeMs: this.sim.nowMs, kind: 'nemesis.undo', detail: { fault: kind, description: applied.description } });
    };
    this.undo.set(id, revert);
    const { minMs, maxMs } = this.options.faultDurationMs;
    this.sim.scheduler.schedule(this.random.between(minMs, maxMs), () => {
      if (!this.undo.delete(id)) return; // already undone by healAll
      revert();
    });
  }

  /** Applies one fault if the current state allows it; returns how to undo it. */
  private apply(kind: FaultKind): AppliedFault | null {
    switch (kind) {
      case 'partition':
        return this.applyPartition();
      case 'crash':
      case 'pause':
        return this.applyNodeFault(kind);
      case 'loss':
      case 'duplication':
        return this.applyMessageFault(kind);
      case 'clock-skew':
        return this.applyClockSkew();
    }
  }

  private applyPartition(): AppliedFault | null {
    if (this.networkFaultActive) return null;
    const nodes = this.random.shuffle([...this.options.nodes]);
    const minoritySize = 1 + this.random.int(Math.max(1, Math.floor(nodes.length / 2)));
    const minority = nodes.slice(0, minoritySize);
    const majority = nodes.slice(minoritySize);
    // Every other node (clients) lands on one side too: a client cut off from both sides
    // would only see time-outs, and the anomalies a partition provokes (a stale leader on
    // the minority side) would never reach a client history.
    const targets = new Set(this.options.nodes);
    for (const bystander of this.sim.nodeIds.filter((id) => !targets.has(id))) {
      (this.random.chance(0.5) ? minority : majority).push(bystander);
    }
    this.sim.network.partition([minority, majority]);
    this.networkFaultActive = true;
    return {
      description: `partition ${minority.join(',')} | ${majority.join(',')}`,
      sides: [[...minority], [...majority]],
      revert: () => {
        this.sim.network.heal();
        this.networkFaultActive = false;
      },
    };
  }

  private applyNodeFault(kind: 'crash' | 'pause'): AppliedFault | null {
    if (this.down.size >= this.options.maxNodesDown) return null;
    const candidates = this.options.nodes.filter((id) => !this.down.has(id) && this.sim.node(id).state === 'running');
    if (candidates.length === 0) return null;
    const node = this.sim.node(this.random.pick(candidates));
    this.down.add(node.id);
    if (kind === 'crash') node.crash();
    else node.pause();
    return {
      description: `${kind} ${node.id}`,
      nodes: [node.id],
      revert: () => {
        this.down.delete(node.id);
        if (kind === 'crash' && node.state === 'crashed') node.start();
        if (kind === 'pause' && node.state === 'paused') node.resume();
      },
    };
  }

  private applyMessageFault(kind: 'loss' | 'duplication'): AppliedFault | null {
    const probability = Math.round(this.random.between(0.05, this.options.maxLossProbability) * 100) / 100;
    const field = kind === 'loss' ? 'lossProbability' : 'duplicateProbability';
    if (this.sim.network.currentFaults[field] > 0) return null;
    this.sim.network.setFaults({ [field]: probability });
    return {
      description: `${kind} ${Math.round(probability * 100)}%`,
      everywhere: true,
      revert: () => this.sim.network.setFaults({ [field]: 0 }),
    };
  }

  private applyClockSkew(): AppliedFault {
    const node = this.sim.node(this.random.pick(this.options.nodes));
    const offsetMs = Math.round(this.random.between(-this.options.maxClockOffsetMs, this.options.maxClockOffsetMs));
    node.setClock(offsetMs);
    // Clocks are not set back: a real clock that jumped stays where it is until NTP slews it.
    return { description: `clock of ${node.id} ${offsetMs >= 0 ? '+' : ''}${offsetMs} ms`, nodes: [node.id], revert: () => undefined };
  }
}
