#!/usr/bin/env node
/*
 * Converts the linearizability test data of the public Porcupine repository
 * (github.com/anishathalye/porcupine, MIT licence) into PhantomDB's JSON Lines history
 * format, so that CI can check the 108 conformance histories without a folder outside
 * this repository:
 *
 *   node scripts/porcupine-histories.js PORCUPINE_CHECKOUT OUT_DIR
 *
 * - test_data/jepsen/etcd_NNN.log (Jepsen log lines "P\t:type\t:f\tvalue") -> OUT_DIR/etcd/etcd_NNN.jsonl
 * - test_data/kv/cNN-{ok,bad}.txt (EDN maps, one per line)                -> OUT_DIR/kv/cNN-{ok,bad}.jsonl
 * - test/conformance/verdicts.json (the expected verdicts stated in Porcupine's own tests,
 *   with the event count of each history)                                  -> OUT_DIR/verdicts.json
 *
 * Every converted history must have the event count its verdict names; otherwise the
 * conversion fails, naming the file. Portable: Node only, no shell.
 */
'use strict';
const fs = require('node:fs');
const path = require('node:path');

function jepsenValue(text) {
  if (text === 'nil') return null;
  if (/^-?\d+$/.test(text)) return Number(text);
  const pair = /^\[(-?\d+) (-?\d+)\]$/.exec(text);
  if (pair) return [Number(pair[1]), Number(pair[2])];
  throw new Error(`unexpected Jepsen value ${JSON.stringify(text)}`);
}

/** One Jepsen log line: "INFO  jepsen.util - 3\t:ok\t:cas\t[3 0]". Lines of other loggers are skipped. */
function convertJepsenLine(line) {
  const match = /jepsen\.util - (\d+)\t:(\w+)\t:(\w+)\t(.*)$/.exec(line);
  if (!match) return undefined;
  const [, process, type, f, value] = match;
  const event = { process: Number(process), type, f };
  if (type !== 'info') event.value = jepsenValue(value.trim());
  return event;
}

/** One EDN map of the kv logs: {:process 0, :type :ok, :f :get, :key "5", :value ""}. */
function convertEdnLine(line) {
  const fields = {};
  const pattern = /:(\w+) (nil|-?\d+|:[\w-]+|"(?:[^"\\]|\\.)*")/g;
  let match;
  while ((match = pattern.exec(line)) !== null) {
    const [, name, raw] = match;
    if (raw === 'nil') continue;
    if (raw.startsWith(':')) fields[name] = raw.slice(1);
    else if (raw.startsWith('"')) fields[name] = JSON.parse(raw);
    else fields[name] = Number(raw);
  }
  if (fields.process === undefined || fields.type === undefined || fields.f === undefined) throw new Error(`not a history event: ${line}`);
  const event = { process: fields.process, type: fields.type, f: fields.f };
  if (fields.key !== undefined) event.key = fields.key;
  if (fields.value !== undefined) event.value = fields.value;
  return event;
}

function convertFile(source, target, convertLine) {
  const events = fs
    .readFileSync(source, 'utf8')
    .split(/\r?\n/)
    .filter((line) => line.trim() !== '')
    .map(convertLine)
    .filter((event) => event !== undefined);
  fs.mkdirSync(path.dirname(target), { recursive: true });
  fs.writeFileSync(target, events.map((event) => JSON.stringify(event)).join('\n') + '\n');
  return events.length;
}

function main(argv) {
  const [checkout, out] = argv;
  if (!checkout || !out) {
    console.error('usage: node scripts/porcupine-histories.js PORCUPINE_CHECKOUT OUT_DIR');
    return 2;
  }
  const verdicts = JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'test', 'conformance', 'verdicts.json'), 'utf8'));
  const problems = [];
  for (const [file, verdict] of Object.entries(verdicts)) {
    const [folder, name] = file.split('/');
    const base = name.replace(/\.jsonl$/, '');
    const source = folder === 'etcd' ? path.join(checkout, 'test_data', 'jepsen', `${base}.log`) : path.join(checkout, 'test_data', 'kv', `${base}.txt`);
    if (!fs.existsSync(source)) {
      problems.push(`${file}: ${source} is missing from the Porcupine checkout`);
      continue;
    }
    const events = convertFile(source, path.join(out, folder, name), folder === 'etcd' ? convertJepsenLine : convertEdnLine);
    if (events !== verdict.events) problems.push(`${file}: ${events} events converted, the verdict names ${verdict.events}`);
  }
  fs.writeFileSync(path.join(out, 'verdicts.json'), JSON.stringify(verdicts, null, 2) + '\n');
  if (problems.length > 0) {
    console.error(`conversion failed:\n  ${problems.join('\n  ')}`);
    return 1;
  }
  console.log(`converted ${Object.keys(verdicts).length} Porcupine histories into ${out}`);
  return 0;
}

if (require.main === module) process.exitCode = main(process.argv.slice(2));
module.exports = { convertJepsenLine, convertEdnLine };
