/*
 * Figures relative to the kernel, measured in the same run (issue 14 §6). The machine is
 * shared and its speed moves with load, so a figure alone cannot be compared across runs;
 * its ratio to the kernel calibration row of the same run can. The calibration row is the
 * simulated network's deliveries per wall second (bench/sim.ts): the cheapest full path
 * every simulated protocol pays per message.
 *
 * - A rate (unit ".../s" or "... per wall s") becomes "per kernel delivery": value /
 *   deliveries per second.
 * - A wall time (unit "ms" or "s"; simulated and virtual times have their own units) becomes "kernel deliveries in that time": what the network
 *   alone would deliver meanwhile. Lower is better, as for the time itself.
 * - Other units (simulated time, MB, ratios, counts) do not move with the machine's speed
 *   and get no relative figure.
 */
import type { BenchRow } from './types';

export const CALIBRATION_ROW = 'simulated network deliveries per wall second';

export interface KernelRelative {
  readonly relative?: number;
  readonly relativeUnit?: string;
}

export function kernelRelative<Row extends BenchRow>(rows: readonly Row[]): (Row & KernelRelative)[] {
  const calibration = rows.find((row) => row.name === CALIBRATION_ROW);
  if (calibration === undefined || !(calibration.value > 0)) return rows.slice();
  const deliveriesPerSecond = calibration.value;
  return rows.map((row) => {
    if (row === calibration) return row;
    const wallSeconds = row.unit === 'ms' ? row.value / 1000 : row.unit === 's' ? row.value : undefined;
    if (wallSeconds !== undefined) {
      return { ...row, relative: round(wallSeconds * deliveriesPerSecond), relativeUnit: 'kernel deliveries in the same wall time' };
    }
    if (row.unit.endsWith('/s')) {
      return { ...row, relative: round(row.value / deliveriesPerSecond), relativeUnit: `${row.unit.slice(0, -2)} per kernel delivery` };
    }
    if (row.unit.endsWith(' per wall s')) {
      return { ...row, relative: round(row.value / deliveriesPerSecond), relativeUnit: `${row.unit.slice(0, -' per wall s'.length)} per kernel delivery` };
    }
    return row;
  });
}

/** Three significant digits: enough for a ratio between two noisy timings. */
function round(value: number): number {
  return Number(value.toPrecision(3));
}

/** "0.0368 writes per kernel delivery", or "" when the row has no relative figure. */
export function formatRelative(row: KernelRelative): string {
  return row.relative === undefined ? '' : `${row.relative.toLocaleString('en-US', { maximumSignificantDigits: 3 })} ${row.relativeUnit}`;
}
