import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

export const ROOT = path.resolve(__dirname, '..', '..');

export interface CucumberRun {
  status: number;
  output: string;
  /** The cucumber JSON report of the run. */
  features: any[];
}

/**
 * Runs cucumber-js in a child process on the project's support code and steps, with a
 * scratch configuration (only a JSON report, nothing written to reports/ but the scratch
 * folder). cucumber-js resolves --config relative to the working directory, so the scratch
 * space lives under reports/ (git-ignored).
 */
export function runCucumber(paths: string[], env: Record<string, string | undefined> = {}, extraFiles: Record<string, string> = {}): CucumberRun {
  fs.mkdirSync(path.join(ROOT, 'reports'), { recursive: true });
  const scratch = fs.mkdtempSync(path.join(ROOT, 'reports', '.cucumber-run-'));
  const config = path.join(scratch, 'cucumber.js');
  const report = path.join(scratch, 'report.json');
  for (const [name, text] of Object.entries(extraFiles)) fs.writeFileSync(path.join(scratch, name), text);
  fs.writeFileSync(
    config,
    `module.exports = { default: { requireModule: ['ts-node/register/transpile-only'], require: ${JSON.stringify([
      path.join(ROOT, 'support/**/*.ts'),
      path.join(ROOT, 'step-definitions/**/*.ts'),
    ])}, format: ['progress', 'json:${report}'] } };`,
  );
  const childEnv: Record<string, string | undefined> = { ...process.env };
  delete childEnv.PHANTOM_SEED;
  Object.assign(childEnv, env);
  const resolved = paths.map((entry) => (entry.startsWith('scratch:') ? path.relative(ROOT, path.join(scratch, entry.slice('scratch:'.length))) : entry));
  try {
    const result = spawnSync(process.execPath, [path.join(ROOT, 'node_modules/@cucumber/cucumber/bin/cucumber-js'), '--config', path.relative(ROOT, config), ...resolved], {
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
