import { latencyPercentiles, type LoadSample, type Percentile } from './stats';

/**
 * Stress mode: the load grows in stages until latency or errors pass a threshold (a
 * Gatling-style ramp). The knee is the last stage that stayed within the threshold; the
 * stage after it is the first that did not.
 */

export interface RampThreshold {
  /** The operation type whose latency is watched. */
  readonly kind: string;
  readonly percentile: Percentile;
  readonly latencyMs: number;
  /** Largest share of failed operations (all types) a stage may have. */
  readonly errorShare: number;
}

export interface RampStage {
  readonly users: number;
  readonly startMs: number;
  readonly endMs: number;
  readonly completed: number;
  readonly throughputPerS: number;
  /** The watched percentile of the watched kind; undefined if none of it succeeded. */
  readonly latencyMs: number | undefined;
  readonly errorShare: number;
  readonly withinThreshold: boolean;
  /** Why the stage passed the threshold. */
  readonly breach?: string;
}

/** Judges one stage from the operations that completed during it. */
export function judgeStage(samples: readonly LoadSample[], users: number, startMs: number, endMs: number, threshold: RampThreshold): RampStage {
  const inStage = samples.filter((sample) => sample.endMs > startMs && sample.endMs <= endMs);
  const watched = inStage.filter((sample) => sample.kind === threshold.kind && sample.ok).map((sample) => sample.endMs - sample.startMs);
  const latencyMs = latencyPercentiles(watched)?.[threshold.percentile];
  const failed = inStage.filter((sample) => !sample.ok).length;
  const errorShare = inStage.length === 0 ? 0 : failed / inStage.length;
  const breaches: string[] = [];
  if (latencyMs === undefined) breaches.push(`no ${threshold.kind} succeeded`);
  else if (latencyMs > threshold.latencyMs) breaches.push(`${threshold.percentile} ${threshold.kind} latency ${latencyMs.toFixed(1)} ms > ${threshold.latencyMs} ms`);
  if (errorShare > threshold.errorShare) breaches.push(`${(errorShare * 100).toFixed(1)}% of operations failed > ${(threshold.errorShare * 100).toFixed(1)}%`);
  const stage = { users, startMs, endMs, completed: inStage.length, throughputPerS: (inStage.length - failed) / ((endMs - startMs) / 1000), latencyMs, errorShare, withinThreshold: breaches.length === 0 };
  return breaches.length === 0 ? stage : { ...stage, breach: breaches.join(' and ') };
}

export interface Knee {
  /** The last stage within the threshold, if any. */
  readonly lastGood: RampStage | undefined;
  /** The first stage past it, if the ramp got there. */
  readonly firstBad: RampStage | undefined;
}

export function findKnee(stages: readonly RampStage[]): Knee {
  const firstBadIndex = stages.findIndex((stage) => !stage.withinThreshold);
  if (firstBadIndex < 0) return { lastGood: stages[stages.length - 1], firstBad: undefined };
  return { lastGood: firstBadIndex > 0 ? stages[firstBadIndex - 1] : undefined, firstBad: stages[firstBadIndex] };
}

export function formatRamp(stages: readonly RampStage[], threshold: RampThreshold): string {
  const knee = findKnee(stages);
  const lines = stages.map(
    (stage) =>
      `${String(stage.users).padStart(6)} users  ${stage.throughputPerS.toFixed(1).padStart(9)} ok/s  ${threshold.percentile} ${threshold.kind} ${stage.latencyMs === undefined ? '-' : `${stage.latencyMs.toFixed(1)} ms`}  errors ${(stage.errorShare * 100).toFixed(1)}%${stage.breach ? `  <- ${stage.breach}` : ''}`,
  );
  const verdict = knee.firstBad
    ? knee.lastGood
      ? `knee: between ${knee.lastGood.users} users (${knee.lastGood.throughputPerS.toFixed(1)} ok/s, within) and ${knee.firstBad.users} users (past the threshold)`
      : `knee: below ${knee.firstBad.users} users (the first stage was already past the threshold)`
    : `no knee up to ${knee.lastGood?.users ?? 0} users: every stage stayed within the threshold`;
  return [`threshold: ${threshold.percentile} ${threshold.kind} latency <= ${threshold.latencyMs} ms and errors <= ${(threshold.errorShare * 100).toFixed(1)}%`, ...lines, verdict].join('\n');
}
