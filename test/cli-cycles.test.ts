import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { toEdnHistory } from '../src/cli/edn';
import { main } from '../src/cli/main';

/**
 * `phantomdb cycles FILE [--edn OUT]`: the cycle checker on a JSON Lines transaction
 * history, and the same history in Jepsen's EDN format for Elle (elle.list-append reads
 * `{:type :invoke|:ok|:fail|:info, :f :txn, :value [[:append k v] [:r k [..]]], :process n}`).
 */

const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'phantomdb-cycles-'));

async function run(...args: string[]): Promise<{ status: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const status = await main(args, { stdout: (text) => (stdout += text), stderr: (text) => (stderr += text) });
  return { status, stdout, stderr };
}

function write(name: string, lines: object[]): string {
  const file = path.join(directory, name);
  fs.writeFileSync(file, lines.map((line) => JSON.stringify(line)).join('\n') + '\n');
  return file;
}

// Write skew (Adya G2): each transaction reads the key the other appends to, and misses it.
const writeSkew = [
  { id: 't1', process: 'p1', type: 'ok', ops: [{ f: 'r', key: 'y', value: [] }, { f: 'append', key: 'x', value: '1' }], invokeMs: 0, completeMs: 5 },
  { id: 't2', process: 'p2', type: 'ok', ops: [{ f: 'r', key: 'x', value: [] }, { f: 'append', key: 'y', value: '1' }], invokeMs: 1, completeMs: 6 },
];

describe('phantomdb cycles', () => {
  it('finds G2 in a write-skew history and exits 1', async () => {
    const result = await run('cycles', write('skew.jsonl', writeSkew));
    assert.equal(result.status, 1, result.stderr);
    assert.match(result.stdout, /G2/);
  });

  it('exits 0 on a serializable history and writes the EDN history for Elle', async () => {
    const edn = path.join(directory, 'ok.edn');
    const history = [
      { id: 't1', process: 'p1', type: 'ok', ops: [{ f: 'append', key: 'x', value: '1' }], invokeMs: 0, completeMs: 2 },
      { id: 't2', process: 'p2', type: 'ok', ops: [{ f: 'r', key: 'x', value: ['1'] }], invokeMs: 3, completeMs: 4 },
      { id: 't3', process: 'p1', type: 'info', ops: [{ f: 'append', key: 'x', value: '2' }], invokeMs: 5 },
    ];
    const result = await run('cycles', write('ok.jsonl', history), '--edn', edn);
    assert.equal(result.status, 0, result.stdout + result.stderr);
    assert.equal(
      fs.readFileSync(edn, 'utf8'),
      [
        '{:type :invoke, :f :txn, :value [[:append "x" "1"]], :process 0, :time 0, :index 0}',
        '{:type :ok, :f :txn, :value [[:append "x" "1"]], :process 0, :time 2000000, :index 1}',
        '{:type :invoke, :f :txn, :value [[:r "x" nil]], :process 1, :time 3000000, :index 2}',
        '{:type :ok, :f :txn, :value [[:r "x" ["1"]]], :process 1, :time 4000000, :index 3}',
        '{:type :invoke, :f :txn, :value [[:append "x" "2"]], :process 0, :time 5000000, :index 4}',
        '{:type :info, :f :txn, :value [[:append "x" "2"]], :process 0, :time 5000000, :index 5}',
        '',
      ].join('\n'),
    );
  });

  it('writes rw-register histories as :w and :r, and refuses to mix models', () => {
    const edn = toEdnHistory([{ id: '1', type: 'ok', ops: [{ f: 'w', key: 'k', value: 'v' }, { f: 'r', key: 'k', value: 'v' }] }], 'rw-register');
    assert.match(edn, /:value \[\[:w "k" "v"\] \[:r "k" "v"\]\]/);
    assert.throws(() => toEdnHistory([{ id: '1', type: 'ok', ops: [{ f: 'w', key: 'k', value: 'v' }] }], 'list-append'), /only appends and reads/);
  });

  it('names the bad line of a malformed history', async () => {
    const file = path.join(directory, 'bad.jsonl');
    fs.writeFileSync(file, '{"id":"t1","type":"ok","ops":[]}\n{"id":"t2","type":"done","ops":[]}\n');
    const result = await run('cycles', file);
    assert.equal(result.status, 3);
    assert.match(result.stderr, /line 2: "type" must be ok, fail or info/);
  });
});
