/** One benchmark figure. Comparisons are made between rows of the same run. */
export interface BenchRow {
  name: string;
  value: number;
  unit: string;
  /** The target from the issue, if any, e.g. ">= 1000000". */
  target?: string;
  note?: string;
}
