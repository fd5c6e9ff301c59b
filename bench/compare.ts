/**
 * Criterion-style regression check against a stored baseline. Wall-time figures are taken
 * relative to the calibration loop of the same run, so a uniformly slower machine is not
 * a regression; simulated-time figures are deterministic model results and compared as
 * they are. A figure fails when it is worse than the baseline by more than the threshold.
 */

export interface BenchFigure {
  readonly group?: string;
  readonly name: string;
  readonly value: number;
  readonly unit: string;
}

export interface BenchReport {
  readonly rows: readonly BenchFigure[];
  readonly node?: string;
  readonly platform?: string;
}

export const CALIBRATION_NAME = 'calibration loop';
/** Worse by more than this factor fails: 1.5 means 50% slower (a 2x slowdown fails, the usual noise here does not). */
export const REGRESSION_FACTOR = 1.5;

export type FigureKind = 'rate' | 'duration' | 'simulated' | 'count';

/** How a unit is judged: wall rates (higher is better), wall durations and simulated times (lower is better), counts (not judged). */
export function kindOf(unit: string): FigureKind {
  if (/^simulated ms$|^virtual ms$/.test(unit)) return 'simulated';
  if (unit === 'ms' || unit === 's') return 'duration';
  if (/\/s$|per wall s$/.test(unit)) return 'rate';
  return 'count';
}

export interface FigureVerdict {
  readonly name: string;
  readonly kind: FigureKind;
  /** Current against baseline, both relative to their run's calibration for wall figures; > 1 is worse. */
  readonly slowdown: number | undefined;
  readonly regressed: boolean;
  readonly note: string;
}

export interface CheckResult {
  readonly ok: boolean;
  readonly verdicts: readonly FigureVerdict[];
  readonly problems: readonly string[];
}

function calibration(report: BenchReport, which: string): number {
  const row = report.rows.find((candidate) => candidate.name === CALIBRATION_NAME);
  if (!row || !(row.value > 0)) throw new Error(`the ${which} report has no "${CALIBRATION_NAME}" row: run npm run bench (bench/calibration.ts)`);
  return row.value;
}

export function compareWithBaseline(baseline: BenchReport, current: BenchReport, factor = REGRESSION_FACTOR, options: { measuredOnly?: boolean } = {}): CheckResult {
  if (!(factor > 1)) throw new RangeError(`the regression factor must be > 1, got ${factor}`);
  const baseCalibration = calibration(baseline, 'baseline');
  const currentCalibration = calibration(current, 'current');
  const verdicts: FigureVerdict[] = [];
  const problems: string[] = [];
  for (const base of baseline.rows) {
    if (base.name === CALIBRATION_NAME) continue;
    const now = current.rows.find((row) => row.name === base.name);
    const kind = kindOf(base.unit);
    if (!now && options.measuredOnly) continue;
    if (!now) {
      problems.push(`"${base.name}" is in the baseline but was not measured (renamed or removed? update bench/baseline.json)`);
      continue;
    }
    if (now.unit !== base.unit) {
      problems.push(`"${base.name}" changed unit from ${base.unit} to ${now.unit}; update bench/baseline.json`);
      continue;
    }
    let slowdown: number | undefined;
    if (kind === 'rate') slowdown = base.value / baseCalibration / (now.value / currentCalibration);
    else if (kind === 'duration') slowdown = (now.value * currentCalibration) / (base.value * baseCalibration);
    else if (kind === 'simulated') slowdown = base.value > 0 ? now.value / base.value : undefined;
    const regressed = slowdown !== undefined && slowdown > factor;
    const note = slowdown === undefined ? 'not judged' : `${slowdown.toFixed(2)}x ${kind === 'simulated' ? 'the baseline (simulated time)' : 'the baseline relative to the calibration loop'}`;
    verdicts.push({ name: base.name, kind, slowdown, regressed, note });
    if (regressed) problems.push(`"${base.name}" regressed: ${note} (${base.value} → ${now.value} ${base.unit}; calibration ${baseCalibration} → ${currentCalibration} loops/s; threshold ${factor}x)`);
  }
  return { ok: problems.length === 0, verdicts, problems };
}

export function formatVerdicts(result: CheckResult): string {
  const lines = result.verdicts.map((verdict) => `${verdict.regressed ? 'REGRESSED' : 'ok       '}  ${verdict.slowdown === undefined ? '    -' : verdict.slowdown.toFixed(2).padStart(5)}x  ${verdict.name}`);
  return [`slowdown against bench/baseline.json (>${REGRESSION_FACTOR}x fails; wall figures relative to the calibration loop)`, ...lines, ...(result.problems.length > 0 ? ['', ...result.problems] : [])].join('\n');
}
