/*
 * Issue 14 §6: every benchmark figure is reported next to the kernel calibration row of
 * the same run, and the README's table is generated from reports/bench.json.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CALIBRATION_ROW, kernelRelative } from '../../bench/calibration';
import { renderTable, TABLE_END, TABLE_START, withTable } from '../../scripts/bench-table';

const rows = [
  { group: 'simulation', name: CALIBRATION_ROW, value: 500_000, unit: 'deliveries/s' },
  { group: 'consensus', name: 'committed writes per wall second', value: 25_000, unit: 'writes/s', target: '>= 50,000' },
  { group: 'membership', name: '100-node membership, 60 simulated seconds', value: 400, unit: 'ms' },
  { group: 'consensus', name: 'time acceleration', value: 50, unit: 'simulated s per wall s' },
  { group: 'transactions', name: 'commit latency p50', value: 22.5, unit: 'simulated ms' },
];

describe('benchmark figures relative to the kernel of the same run', () => {
  it('divides rates and multiplies wall times by the calibration row; simulated times stay absolute', () => {
    const relative = kernelRelative(rows);
    assert.deepEqual(relative.map((row) => [row.relative, row.relativeUnit]), [
      [undefined, undefined],
      [0.05, 'writes per kernel delivery'],
      [200_000, 'kernel deliveries in the same wall time'],
      [0.0001, 'simulated s per kernel delivery'],
      [undefined, undefined],
    ]);
  });

  it('a run twice as slow overall gives the same relative figures', () => {
    const slower = rows.map((row) => ({ ...row, value: row.unit === 'ms' ? row.value * 2 : row.unit.endsWith('/s') || row.unit.endsWith('per wall s') ? row.value / 2 : row.value }));
    assert.deepEqual(kernelRelative(slower).map((row) => row.relative), kernelRelative(rows).map((row) => row.relative));
  });

  it('regenerates only the README part between the markers', () => {
    const readme = `# Title\n\n${TABLE_START}\nold typed table\n${TABLE_END}\n\nAfter.\n`;
    const table = renderTable({ node: 'v20', platform: 'linux x64', calibration: CALIBRATION_ROW, rows: kernelRelative(rows) });
    const updated = withTable(readme, table);
    assert.match(updated, /^# Title\n\n<!-- bench table/);
    assert.match(updated, /\| consensus \| committed writes per wall second \| 25,000 writes\/s \| 0\.05 writes per kernel delivery \| >= 50,000 \|/);
    assert.match(updated, /<!-- end of bench table -->\n\nAfter\.\n$/);
    assert.doesNotMatch(updated, /old typed table/);
    assert.equal(withTable(updated, table), updated, 'regenerating from the same report changes nothing');
    assert.throws(() => withTable('# no markers\n', table), /needs the markers/);
  });
});
