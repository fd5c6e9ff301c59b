import type { TimerPort } from '../runtime/ports';
import type { ActivitySource, ResourceMonitor } from './monitor';
import { evaluate } from './recommender';
import { EMPTY_SCALER_STATE, type ScalerState, type ScalingDecision, type ScalingPolicy } from './types';

/**
 * The autoscaler loop (issue 9 §3): every `policy.evaluationIntervalMs` of virtual time it
 * reads the monitor's averaged readings, runs the pure HPA core (recommender.ts), logs the
 * decision, and hands a change to the actuator. The actuator owns how nodes join and how
 * a node is drained and stopped; while it is still busy with an earlier change the loop
 * keeps evaluating and logging but starts nothing new, as HPA does not resize a target
 * whose previous resize is still in progress.
 */
export interface ScalingActuator {
  /** Nodes that count toward capacity, including those still joining; ready = serving. */
  nodes(): readonly { id: string; ready: boolean }[];
  /** True while an earlier scale-out or scale-in is still being carried out. */
  busy(): boolean;
  scaleOut(count: number): void;
  scaleIn(count: number): void;
}

export interface AutoscalerPorts {
  readonly clock: { nowMs(): number };
  readonly timers: TimerPort;
  readonly monitor: ResourceMonitor;
  readonly activity: ActivitySource;
  readonly actuator: ScalingActuator;
  /**
   * The committed policy, read at every evaluation (the placement group's replicated copy,
   * src/placement/scaling-policy.ts); undefined until one is committed, and then the policy
   * given at construction applies.
   */
  readonly committedPolicy?: () => ScalingPolicy | undefined;
}

export class Autoscaler {
  private state: ScalerState = EMPTY_SCALER_STATE;
  readonly decisions: ScalingDecision[] = [];
  private stopped = false;

  constructor(
    private readonly initialPolicy: ScalingPolicy,
    private readonly ports: AutoscalerPorts,
    private readonly sampleIntervalMs: number,
  ) {}

  /** The policy in force: the committed one when there is one (an admin changed it through the placement group). */
  get policy(): ScalingPolicy {
    return this.ports.committedPolicy?.() ?? this.initialPolicy;
  }

  start(): void {
    this.scheduleSample();
    this.scheduleEvaluation();
  }

  stop(): void {
    this.stopped = true;
  }

  private scheduleSample(): void {
    this.ports.timers.setTimer(this.sampleIntervalMs, () => {
      if (this.stopped) return;
      const ids = this.ports.actuator.nodes().map((node) => node.id);
      this.ports.monitor.sample(this.ports.clock.nowMs(), ids, this.ports.activity);
      this.scheduleSample();
    }, 'autoscaler.sample');
  }

  private scheduleEvaluation(): void {
    this.ports.timers.setTimer(this.policy.evaluationIntervalMs, () => {
      if (this.stopped) return;
      this.evaluateNow();
      this.scheduleEvaluation();
    }, 'autoscaler.evaluate');
  }

  /** One evaluation; public so a step can ask for one at a known time. */
  evaluateNow(): ScalingDecision {
    const nowMs = this.ports.clock.nowMs();
    const nodes = this.ports.actuator.nodes();
    const readings = this.ports.monitor.readings(nowMs, nodes);
    if (this.ports.actuator.busy()) {
      const decision: ScalingDecision = { atMs: nowMs, currentNodes: nodes.length, proposals: [], proposedNodes: nodes.length, stabilizedNodes: nodes.length, desiredNodes: nodes.length, limits: ['ScalingInProgress'], action: 'none' };
      this.decisions.push(decision);
      return decision;
    }
    const evaluation = evaluate(this.policy, this.state, { nowMs, currentNodes: nodes.length, readings });
    this.state = evaluation.state;
    this.decisions.push(evaluation.decision);
    const change = evaluation.decision.desiredNodes - nodes.length;
    if (change > 0) this.ports.actuator.scaleOut(change);
    if (change < 0) this.ports.actuator.scaleIn(-change);
    return evaluation.decision;
  }
}
