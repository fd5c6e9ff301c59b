/*
 * `phantomdb check` as a user runs it: exit codes and what it prints. The main paths run
 * the real binary in a separate process; the rest call the same entry point in-process,
 * because each process spends over a second compiling TypeScript. Uses the shared
 * conformance histories when present, else small files written to the temporary directory.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, describe, it } from 'node:test';
import { main } from '../src/cli/main';
import { CONFORMANCE_DIRECTORY, REPOSITORY_ROOT } from './repository';

const repositoryRoot = REPOSITORY_ROOT;
const binary = path.join(repositoryRoot, 'bin', 'phantomdb.js');
const conformanceDirectory = CONFORMANCE_DIRECTORY;
const temporaryDirectory = fs.mkdtempSync(path.join(os.tmpdir(), 'phantomdb-cli-'));

interface Run {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the real binary; asynchronous so that the (slow to start) processes can overlap. */
function phantomdb(...args: string[]): Promise<Run> {
  return phantomdbUnderNode([], ...args);
}

/** The real binary, with options for node itself (e.g. `--require` a probe). */
function phantomdbUnderNode(nodeOptions: string[], ...args: string[]): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...nodeOptions, binary, ...args], { cwd: repositoryRoot, timeout: 60_000 });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

/** Runs the CLI entry point in this process, capturing what it writes. */
async function phantomdbInProcess(...args: string[]): Promise<Run> {
  let stdout = '';
  let stderr = '';
  const status = await main(args, { stdout: (text) => (stdout += text), stderr: (text) => (stderr += text) });
  return { status, stdout, stderr };
}

function writeHistory(name: string, events: object[]): string {
  const file = path.join(temporaryDirectory, name);
  fs.writeFileSync(file, events.map((event) => JSON.stringify(event)).join('\n') + '\n');
  return file;
}

const writeThenRead = (seen: number): object[] => [
  { process: 0, type: 'invoke', f: 'write', value: 1 },
  { process: 0, type: 'ok', f: 'write', value: 1 },
  { process: 1, type: 'invoke', f: 'write', value: 2 },
  { process: 1, type: 'ok', f: 'write', value: 2 },
  { process: 2, type: 'invoke', f: 'read', value: null },
  { process: 2, type: 'ok', f: 'read', value: seen },
];

/** A conformance file with the given verdict if the shared folder exists, else a temp file. */
function historyFile(linearizable: boolean): string {
  const shared = path.join(conformanceDirectory, 'etcd', linearizable ? 'etcd_002.jsonl' : 'etcd_000.jsonl');
  if (fs.existsSync(shared)) return shared;
  return writeHistory(linearizable ? 'fresh.jsonl' : 'stale.jsonl', writeThenRead(linearizable ? 2 : 1));
}

after(() => fs.rmSync(temporaryDirectory, { recursive: true, force: true }));

describe('phantomdb check', { concurrency: 2 }, () => {
  it('exits 0 for a linearizable history', async () => {
    const run = await phantomdb('check', historyFile(true), '--model', 'register', '--timeout', '30s');
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stdout, /^LINEARIZABLE/);
  });

  it('exits 1 and explains a violation', async () => {
    const run = await phantomdb('check', historyFile(false), '--model=register');
    assert.equal(run.status, 1, run.stderr);
    assert.match(run.stdout, /^NOT LINEARIZABLE/);
    assert.match(run.stdout, /Longest linearizable prefix/);
    assert.match(run.stdout, /read returned \d+ but register holds \d+/);
  });

  it('prints the result as JSON with --json and writes a picture with --svg', async () => {
    const picture = path.join(temporaryDirectory, 'violation.svg');
    const run = await phantomdbInProcess('check', historyFile(false), '--model', 'register', '--json', '--svg', picture);
    assert.equal(run.status, 1, run.stderr);
    const result = JSON.parse(run.stdout);
    assert.equal(result.verdict, 'not-linearizable');
    assert.ok(result.explanation.unplaceable.length > 0);
    assert.match(fs.readFileSync(picture, 'utf8'), /^<svg /);
  });

  it('exits 3 naming the file and line of an invalid event, without a stack trace', async () => {
    const broken = writeHistory('broken.jsonl', [...writeThenRead(2).slice(0, 3), { process: 1, type: 'done', f: 'write' }]);
    const run = await phantomdb('check', broken, '--model', 'register');
    assert.equal(run.status, 3);
    assert.equal(run.stderr, `${broken}:4: "type" must be one of invoke, ok, fail, info; got "done"\n`);
    assert.doesNotMatch(run.stderr, /\n\s+at /);
  });

  it('exits 3 for bad JSON and for a missing file', async () => {
    const garbage = path.join(temporaryDirectory, 'garbage.jsonl');
    fs.writeFileSync(garbage, '{"process": 0, "type": "invoke", "f": "read"}\n{oops\n');
    const badJson = await phantomdbInProcess('check', garbage, '--model', 'register');
    assert.equal(badJson.status, 3);
    assert.match(badJson.stderr, new RegExp(`^${escapeRegExp(garbage)}:2: invalid JSON`));
    const missing = await phantomdbInProcess('check', path.join(temporaryDirectory, 'absent.jsonl'), '--model', 'register');
    assert.equal(missing.status, 3);
    assert.match(missing.stderr, /absent\.jsonl: cannot read the file \(no such file\)/);
  });

  it('exits 3 with usage for an unknown model or a malformed timeout', async () => {
    const file = historyFile(true);
    const unknownModel = await phantomdbInProcess('check', file, '--model', 'queue');
    assert.equal(unknownModel.status, 3);
    assert.match(unknownModel.stderr, /unknown model "queue"/);
    assert.match(unknownModel.stderr, /Usage: phantomdb check FILE/);
    const badTimeout = await phantomdbInProcess('check', file, '--model', 'register', '--timeout', '30 parsecs');
    assert.equal(badTimeout.status, 3);
    assert.match(badTimeout.stderr, /malformed duration "30 parsecs"/);
  });

  it('checks many files and patterns in one call: a line per file, a summary, the worst exit code', async () => {
    const folder = fs.mkdtempSync(path.join(temporaryDirectory, 'many-'));
    fs.writeFileSync(path.join(folder, 'a-fresh.jsonl'), writeThenRead(2).map((event) => JSON.stringify(event)).join('\n'));
    fs.writeFileSync(path.join(folder, 'b-stale.jsonl'), writeThenRead(1).map((event) => JSON.stringify(event)).join('\n'));
    fs.writeFileSync(path.join(folder, 'c-empty.jsonl'), '\n\n');
    const run = await phantomdbInProcess('check', path.join(folder, '*.jsonl'), '--model', 'register');
    assert.equal(run.status, 3, 'the worst verdict: a file with no operations');
    assert.deepEqual(run.stdout.trim().split('\n'), [
      `${path.join(folder, 'a-fresh.jsonl')}: LINEARIZABLE (register model, 1 partition, 3 operations)`,
      `${path.join(folder, 'b-stale.jsonl')}: NOT LINEARIZABLE (register model, 1 partition, 3 operations); failing: the history`,
      `${path.join(folder, 'c-empty.jsonl')}: UNREADABLE (holds no operations)`,
      '3 files: 1 linearizable, 1 not linearizable, 0 unknown, 1 unreadable',
    ]);
    const json = await phantomdbInProcess('check', path.join(folder, 'a-fresh.jsonl'), path.join(folder, 'b-*.jsonl'), '--model', 'register', '--json');
    assert.equal(json.status, 1);
    const lines = json.stdout.trim().split('\n').map((line) => JSON.parse(line));
    assert.deepEqual(lines.map((line) => line.verdict ?? line.summary.exitCode), ['linearizable', 'not-linearizable', 1]);
    assert.equal(lines[1].file, path.join(folder, 'b-stale.jsonl'));
    const nothing = await phantomdbInProcess('check', path.join(folder, '*.edn'), '--model', 'register');
    assert.equal(nothing.status, 3);
    assert.match(nothing.stderr, /matches no file/);
  });

  it('exits 3 with "FILE holds no operations" for an empty history instead of calling it linearizable', async () => {
    const empty = path.join(temporaryDirectory, 'empty.jsonl');
    fs.writeFileSync(empty, '\n   \n');
    const run = await phantomdb('check', empty, '--model', 'kv');
    assert.equal(run.status, 3);
    assert.equal(run.stderr, `${empty} holds no operations\n`);
    assert.equal(run.stdout, '');
  });

  it('exits 2 naming the limit when a search reaches --max-states, instead of running out of memory', async () => {
    const events: object[] = [];
    for (let process = 0; process < 10; process++) events.push({ process, type: 'invoke', f: 'append', key: 'k', value: `v${process}` });
    events.push({ process: 98, type: 'invoke', f: 'put', key: 'k', value: '' }, { process: 98, type: 'ok', f: 'put', key: 'k', value: '' });
    events.push({ process: 99, type: 'invoke', f: 'get', key: 'k', value: null }, { process: 99, type: 'ok', f: 'get', key: 'k', value: 'v9v8v7v6v5v4v3v2v1v0v1' });
    const run = await phantomdbInProcess('check', writeHistory('wide.jsonl', events), '--model', 'kv', '--max-states', '500');
    assert.equal(run.status, 2, run.stdout + run.stderr);
    assert.match(run.stdout, /^UNKNOWN \(kv model, 1 partition, 12 operations\): the search reached its limit of 500 model states per key \(maxStates\) before deciding key "k"/);
  });

  it('prints usage for --help and exits 0', async () => {
    const run = await phantomdb('--help');
    assert.equal(run.status, 0);
    assert.match(run.stdout, /Usage: phantomdb COMMAND/);
    assert.match(run.stdout, /check/);
  });

  it('lists the commands for --help without loading any of them (start-up under 150 ms, issue 14 §5)', async () => {
    const probe = path.join(temporaryDirectory, 'loaded-modules.js');
    fs.writeFileSync(probe, "process.on('exit', () => require('node:fs').writeSync(2, '\\nloaded ' + JSON.stringify(Object.keys(require.cache)) + '\\n'));\n");
    const run = await phantomdbUnderNode(['--require', probe], '--help');
    assert.equal(run.status, 0);
    assert.match(run.stdout, /cycles/);
    const loaded = JSON.parse(/^loaded (.*)$/m.exec(run.stderr)?.[1] ?? '[]') as string[];
    assert.ok(loaded.some((file) => /[\\/]cli[\\/]main\.[jt]s$/.test(file)), `the probe saw the command line load: ${loaded.join(', ')}`);
    const commandCode = loaded.filter((file) => /[\\/]src[\\/](check[\\/]|cli[\\/](check|cycles)\.)/.test(file));
    assert.deepEqual(commandCode, [], 'phantomdb --help loaded code that only a command needs');
  });
});

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
