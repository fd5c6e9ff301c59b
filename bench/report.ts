/*
 * `npm run bench:report`: draws bench/history.jsonl (one line per recorded run) as an
 * offline HTML page, reports/bench-trend.html, with one chart per benchmark: the figure
 * as measured, and for wall-time figures the figure relative to the calibration loop of
 * its run (the number bench:check judges), scaled so the first run is 1.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { lineChartSvg } from '../support/charts';
import { CALIBRATION_NAME, kindOf } from './compare';

const ROOT = path.resolve(__dirname, '..');

export interface HistoryLine {
  readonly commit: string;
  readonly date: string;
  readonly machine: string;
  readonly figures: Readonly<Record<string, { value: number; unit: string }>>;
}

export function readHistory(file: string): HistoryLine[] {
  if (!fs.existsSync(file)) return [];
  return fs
    .readFileSync(file, 'utf8')
    .split(/\r?\n/)
    .filter((line) => line.trim() !== '')
    .map((line, index) => {
      try {
        return JSON.parse(line) as HistoryLine;
      } catch {
        throw new Error(`${path.relative(ROOT, file)} line ${index + 1} is not JSON`);
      }
    });
}

const escapeHtml = (text: string): string => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

export function trendPage(history: readonly HistoryLine[]): string {
  const names = [...new Set(history.flatMap((line) => Object.keys(line.figures)))].filter((name) => name !== CALIBRATION_NAME);
  const sections = names.map((name) => {
    const unit = history.find((line) => line.figures[name])?.figures[name].unit ?? '';
    const kind = kindOf(unit);
    const measured = history.map((line, index) => [index + 1, line.figures[name]?.value ?? null] as const);
    const relative = history.map((line) => {
      const figure = line.figures[name]?.value;
      const calibration = line.figures[CALIBRATION_NAME]?.value;
      if (figure === undefined || !calibration) return null;
      return kind === 'rate' ? figure / calibration : figure * calibration;
    });
    const first = relative.find((value) => value !== null) ?? null;
    const series = [{ name: `${name} (${unit})`, points: measured }];
    const chart = lineChartSvg(name, 'run', unit, series, { width: 720, height: 260 });
    const relativeChart =
      (kind === 'rate' || kind === 'duration') && first
        ? lineChartSvg(`${name}: relative to the calibration loop (first run = 1; ${kind === 'rate' ? 'higher' : 'lower'} is better)`, 'run', 'relative', [{ name: 'relative', points: relative.map((value, index) => [index + 1, value === null ? null : value / first] as const) }], { width: 720, height: 220 })
        : '';
    return `<section><h2>${escapeHtml(name)}</h2>${chart}${relativeChart}</section>`;
  });
  const runs = history.map((line, index) => `<tr><td>${index + 1}</td><td>${escapeHtml(line.commit)}</td><td>${escapeHtml(line.date)}</td><td>${escapeHtml(line.machine)}</td></tr>`).join('');
  return `<!doctype html><html><head><meta charset="utf-8"><title>PhantomDB benchmark trend</title><style>body{font-family:sans-serif;margin:2em;max-width:760px}table{border-collapse:collapse;font-size:12px}td,th{border:1px solid #ccc;padding:2px 6px}</style></head><body><h1>PhantomDB benchmark trend</h1><p>${history.length} recorded runs from bench/history.jsonl; one chart per benchmark. Drawn offline with Apache ECharts (SVG).</p>${sections.join('\n')}<h2>Runs</h2><table><tr><th>run</th><th>commit</th><th>date</th><th>machine</th></tr>${runs}</table></body></html>\n`;
}

function main(): void {
  const history = readHistory(path.join(ROOT, 'bench', 'history.jsonl'));
  if (history.length === 0) throw new Error('bench/history.jsonl has no runs: record one with npm run bench && npm run bench:check -- --history');
  const output = path.join(ROOT, 'reports', 'bench-trend.html');
  fs.mkdirSync(path.dirname(output), { recursive: true });
  fs.writeFileSync(output, trendPage(history));
  console.log(`wrote ${path.relative(ROOT, output)} (${history.length} runs)`);
}

if (require.main === module) main();
