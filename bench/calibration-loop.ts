import type { BenchRow } from './types';

/**
 * The calibration loop: a fixed piece of work like the simulator's own (objects in a Map,
 * a binary heap of events, string keys), timed in the same run as the benchmarks. Each
 * wall-time figure is compared with the baseline relative to it (figure / calibration),
 * so that a machine that is slower everywhere is not a regression, while a benchmark
 * that got slower relative to the machine is. Best of several rounds, as the others.
 */

const ROUNDS = 7;
const LOOPS_PER_ROUND = 40;

function oneLoop(seed: number): number {
  const table = new Map<string, { id: number; due: number }>();
  const heap: number[] = [];
  let state = seed >>> 0;
  for (let index = 0; index < 2_000; index++) {
    state = (Math.imul(state ^ (state >>> 15), 0x2c1b3c6d) + index) >>> 0;
    table.set(`key-${state % 512}`, { id: index, due: state % 1000 });
    heap.push(state % 1000);
    for (let child = heap.length - 1; child > 0; ) {
      const parent = (child - 1) >> 1;
      if (heap[parent] <= heap[child]) break;
      [heap[parent], heap[child]] = [heap[child], heap[parent]];
      child = parent;
    }
  }
  let checksum = 0;
  for (const entry of table.values()) checksum = (checksum + entry.id * entry.due) >>> 0;
  return (checksum + heap[0]) >>> 0;
}

/** Loops per wall second, best of the rounds. */
export function measureCalibration(): { loopsPerSecond: number; checksum: number } {
  let best = 0;
  let checksum = 0;
  for (let round = 0; round < ROUNDS; round++) {
    const started = process.hrtime.bigint();
    for (let loop = 0; loop < LOOPS_PER_ROUND; loop++) checksum = (checksum + oneLoop(loop + round)) >>> 0;
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    best = Math.max(best, LOOPS_PER_ROUND / seconds);
  }
  return { loopsPerSecond: best, checksum };
}

export function benchCalibration(): BenchRow {
  const { loopsPerSecond, checksum } = measureCalibration();
  return { name: 'calibration loop', value: Math.round(loopsPerSecond), unit: 'loops/s', note: `the yardstick of bench:check (checksum ${checksum})` };
}
