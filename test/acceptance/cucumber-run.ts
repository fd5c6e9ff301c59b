import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { PassThrough } from 'node:stream';
import { REPOSITORY_ROOT } from '../repository';
import { loadConfiguration, loadSupport, runCucumber as runCucumberApi, type ISupportCodeLibrary } from '@cucumber/cucumber/api';

export const ROOT = REPOSITORY_ROOT;

export interface CucumberRun {
  status: number;
  output: string;
  /** The cucumber JSON report of the run. */
  features: any[];
}

/**
 * Compiled (`npm test` runs this file from dist/test/acceptance/): cucumber loads the
 * support code the build wrote to dist/ as well, with no compiler, so the process does not
 * compile the whole World a second time through ts-node next to the JavaScript the tests
 * already use. Through ts-node (targeted runs), it loads the TypeScript.
 */
const COMPILED = __filename.endsWith('.js');
/** Where the support code comes from: the checkout, or dist/ when compiled. */
const CODE_ROOT = COMPILED ? path.resolve(__dirname, '..', '..') : ROOT;
const SUPPORT_PATHS = COMPILED
  ? [path.join(CODE_ROOT, 'support/**/*.js'), path.join(CODE_ROOT, 'step-definitions/**/*.js')]
  : [path.join(ROOT, 'support/**/*.ts'), path.join(ROOT, 'step-definitions/**/*.ts')];
/**
 * Through ts-node, a child registers it too (the project's formatters, support/*.js, then
 * require a few TypeScript files). Compiled, it needs none: the formatters then take the
 * build's JavaScript, and scratch steps reach dist/support/ (see `runInChild`).
 */
const TS_NODE = COMPILED ? [] : ['ts-node/register/transpile-only'];

/** Runs are serialised: each one sets process.env.PHANTOM_SEED for its scenarios. */
let queue: Promise<unknown> = Promise.resolve();

/**
 * Runs cucumber in this process on the project's support code and steps, with a scratch
 * space for extra feature files and a JSON report (nothing written to reports/ but the
 * scratch folder, which is git-ignored). `env` is applied to process.env for the run only;
 * PHANTOM_SEED is cleared unless given, as a fresh `npx cucumber-js` would see it.
 */
export function runCucumber(args: string[], env: Record<string, string | undefined> = {}, extraFiles: Record<string, string> = {}): Promise<CucumberRun> {
  const { paths, formats, requires } = splitArguments(args);
  const run = queue.then(() => (requires.length > 0 || formats.length > 0 ? runInChild(paths, formats, requires, env, extraFiles) : runOnce(paths, env, extraFiles, formats)));
  queue = run.catch(() => undefined);
  return run;
}

/** Feature paths, and the `--format X` and `--require X` options among them. */
function splitArguments(args: string[]): { paths: string[]; formats: string[]; requires: string[] } {
  const paths: string[] = [];
  const formats: string[] = [];
  const requires: string[] = [];
  for (let index = 0; index < args.length; index++) {
    const arg = args[index];
    if (arg === '--format' || arg === '--require') {
      const value = args[++index];
      if (value === undefined) throw new Error(`runCucumber: ${arg} needs a value`);
      (arg === '--format' ? formats : requires).push(value);
    } else if (arg.startsWith('--')) {
      throw new Error(`runCucumber: unsupported option ${arg} (only --format and --require)`);
    } else {
      paths.push(arg);
    }
  }
  return { paths, formats, requires };
}

function resolveScratch(entries: string[], scratch: string): string[] {
  return entries.map((entry) => (entry.startsWith('scratch:') ? path.relative(ROOT, path.join(scratch, entry.slice('scratch:'.length))) : entry));
}

/**
 * Extra support files or formatters cannot join the support code loaded once in this process (cucumber
 * registers steps as files are first required), so a run that brings its own steps runs
 * cucumber-js in a child process, with the project's support code plus those files.
 */
async function runInChild(
  paths: string[],
  formats: string[],
  requires: string[],
  env: Record<string, string | undefined>,
  extraFiles: Record<string, string>,
): Promise<CucumberRun> {
  // Scratch steps require the support code by relative paths (../../support/x): the scratch
  // folder sits where those paths reach the same support code the run loads.
  fs.mkdirSync(path.join(CODE_ROOT, 'reports'), { recursive: true });
  const scratch = fs.mkdtempSync(path.join(CODE_ROOT, 'reports', '.cucumber-run-'));
  const config = path.join(scratch, 'cucumber.js');
  const report = path.join(scratch, 'report.json');
  for (const [name, text] of Object.entries(extraFiles)) fs.writeFileSync(path.join(scratch, name), text);
  const required = [...SUPPORT_PATHS, ...resolveScratch(requires, scratch).map((file) => path.join(ROOT, file))];
  fs.writeFileSync(
    config,
    `module.exports = { default: { requireModule: ${JSON.stringify(TS_NODE)}, require: ${JSON.stringify(required)}, format: ${JSON.stringify(['progress', `json:${report}`, ...formats])} } };`,
  );
  const childEnv: Record<string, string | undefined> = { ...process.env };
  delete childEnv.PHANTOM_SEED;
  Object.assign(childEnv, env);
  try {
    const result = spawnSync(process.execPath, [path.join(ROOT, 'node_modules/@cucumber/cucumber/bin/cucumber-js'), '--config', path.relative(ROOT, config), ...resolveScratch(paths, scratch)], {
      cwd: ROOT,
      env: childEnv,
      encoding: 'utf8',
    });
    const features = fs.existsSync(report) ? JSON.parse(fs.readFileSync(report, 'utf8')) : [];
    return { status: result.status ?? -1, output: `${result.stdout}\n${result.stderr}`, features };
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}

async function runOnce(paths: string[], env: Record<string, string | undefined>, extraFiles: Record<string, string>, formats: string[] = []): Promise<CucumberRun> {
  fs.mkdirSync(path.join(ROOT, 'reports'), { recursive: true });
  const scratch = fs.mkdtempSync(path.join(ROOT, 'reports', '.cucumber-run-'));
  const report = path.join(scratch, 'report.json');
  for (const [name, text] of Object.entries(extraFiles)) fs.writeFileSync(path.join(scratch, name), text);
  const resolved = paths.map((entry) => (entry.startsWith('scratch:') ? path.relative(ROOT, path.join(scratch, entry.slice('scratch:'.length))) : entry));
  let output = '';
  const capture = new PassThrough().setEncoding('utf8');
  capture.on('data', (chunk: string) => (output += chunk));
  const saved = { ...process.env };
  delete process.env.PHANTOM_SEED;
  for (const [name, value] of Object.entries(env)) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
  try {
    const environment = { cwd: ROOT, stdout: capture, stderr: capture, env: { ...process.env } };
    const { runConfiguration } = await loadConfiguration(
      { file: false, provided: { requireModule: COMPILED ? [] : TS_NODE, require: SUPPORT_PATHS, format: ['progress', `json:${report}`, ...formats], paths: resolved } },
      environment,
    );
    const library = await loadSharedSupport(runConfiguration.support, environment);
    const { success } = await runCucumberApi({ ...runConfiguration, support: library }, environment);
    await new Promise((resolve) => setImmediate(resolve)); // let the formatters' last writes land
    const features = fs.existsSync(report) ? JSON.parse(fs.readFileSync(report, 'utf8')) : [];
    return { status: success ? 0 : 1, output, features };
  } catch (error) {
    return { status: 2, output: `${output}\n${error instanceof Error ? error.stack : String(error)}`, features: [] };
  } finally {
    for (const name of Object.keys(process.env)) if (!(name in saved)) delete process.env[name];
    Object.assign(process.env, saved);
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}

/**
 * The project's support code and steps, loaded once per process and reused by every run
 * (cucumber's API documents this: `loadSupport`, then `runCucumber({ support })`). Each
 * cucumber child process used to compile the whole World again, 3-4 s a time, ten times.
 */
let shared: Promise<ISupportCodeLibrary> | undefined;
function loadSharedSupport(coordinates: any, environment: object): Promise<ISupportCodeLibrary> {
  if (shared === undefined) forgetLoadedSupport();
  shared ??= loadSupport({ sources: { paths: [], defaultDialect: 'en', names: [], tagExpression: '', order: 'defined' }, support: coordinates }, environment);
  return shared;
}

/** Every text attachment of a cucumber JSON report, decoded. */
export function textAttachments(features: any[]): string[] {
  const texts: string[] = [];
  for (const feature of features) {
    for (const element of feature.elements ?? []) {
      for (const step of [...(element.before ?? []), ...(element.steps ?? []), ...(element.after ?? [])]) {
        for (const embedding of step.embeddings ?? []) {
          if (embedding.mime_type === 'text/plain') texts.push(Buffer.from(embedding.data, 'base64').toString('utf8'));
        }
      }
    }
  }
  return texts;
}

/**
 * Cucumber registers a step, hook or parameter type while the file defining it is first
 * required. Other test files of this process may already have required some support files (for
 * their helpers: from dist/ when compiled, the TypeScript through ts-node otherwise), so those
 * would register nothing: they are taken out of Node's module cache to run again under cucumber.
 * (Through ts-node this was missing, and 13 acceptance-level tests failed under `npm run unit`
 * with "Undefined parameter types" while `npm test`, compiled, passed.)
 */
function forgetLoadedSupport(): void {
  const folders = ['support', 'step-definitions'].map((folder) => path.join(CODE_ROOT, folder) + path.sep);
  for (const file of Object.keys(require.cache)) {
    if (folders.some((folder) => file.startsWith(folder))) delete require.cache[file];
  }
}
