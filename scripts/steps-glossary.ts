/*
 * `npm run steps` writes docs/STEPS.md, the glossary of the step vocabulary: every step
 * pattern, grouped by domain (its step file), with its parameters, the description from
 * the comment above its definition, and one real example line from a feature file.
 *
 * `--check` writes nothing: it fails when the glossary is stale, when a feature line
 * matches no step (or several), or when a step has no example in any feature.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { generateMessages } from '@cucumber/gherkin';
import { IdGenerator, SourceMediaType } from '@cucumber/messages';
import { loadConfiguration, loadSupport } from '@cucumber/cucumber/api';
import type { ParameterDescription } from '../support/parameters';

interface FeatureStep {
  text: string;
  where: string;
}

interface StepEntry {
  keyword: string;
  pattern: string;
  uri: string;
  line: number;
  description: string;
  parameters: string[];
  matches(text: string): boolean;
  example?: FeatureStep;
}

interface LoadedStepDefinition {
  keyword: string;
  pattern: string | RegExp;
  uri: string;
  line: number;
  expression: { match(text: string): unknown };
}

/** Filled after cucumber has loaded the support code (importing it earlier would register the types outside a run). */
let PARAMETER_DESCRIPTIONS: ParameterDescription[] = [];

const GLOSSARY = path.resolve('docs', 'STEPS.md');

function featureFiles(directory: string): string[] {
  if (!fs.existsSync(directory)) return [];
  return fs.readdirSync(directory, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(directory, entry.name);
    if (entry.isDirectory()) return featureFiles(full);
    return entry.name.endsWith('.feature') ? [full] : [];
  }).sort();
}

function featureSteps(): FeatureStep[] {
  const steps: FeatureStep[] = [];
  for (const file of featureFiles('features')) {
    const uri = path.relative(process.cwd(), file);
    const envelopes = generateMessages(fs.readFileSync(file, 'utf8'), uri, SourceMediaType.TEXT_X_CUCUMBER_GHERKIN_PLAIN, {
      includePickles: true,
      includeGherkinDocument: true,
      newId: IdGenerator.incrementing(),
    });
    const lineOfStep = new Map<string, number>();
    for (const envelope of envelopes) {
      if (envelope.parseError) throw new Error(`${uri}: ${envelope.parseError.message}`);
      const collect = (children: readonly any[] | undefined): void => {
        for (const child of children ?? []) {
          const container = child.background ?? child.scenario;
          for (const step of container?.steps ?? []) lineOfStep.set(step.id, step.location.line);
          if (child.rule) collect(child.rule.children);
        }
      };
      collect(envelope.gherkinDocument?.feature?.children);
      for (const step of envelope.pickle?.steps ?? []) {
        steps.push({ text: step.text, where: `${uri}:${lineOfStep.get(step.astNodeIds[0]) ?? '?'}` });
      }
    }
  }
  return steps;
}

/** The `//` comment lines right above a step definition describe it. */
function descriptionAbove(uri: string, line: number): string {
  const lines = fs.readFileSync(uri, 'utf8').split('\n');
  const comments: string[] = [];
  for (let index = line - 2; index >= 0 && /^\s*\/\//.test(lines[index]); index--) {
    comments.unshift(lines[index].replace(/^\s*\/\/\s?/, ''));
  }
  return comments.join(' ');
}

async function stepEntries(): Promise<StepEntry[]> {
  const { runConfiguration } = await loadConfiguration({ provided: { requireModule: [] } });
  // The API types the library as opaque; its step definitions are what the glossary lists.
  const library = (await loadSupport(runConfiguration)) as unknown as { stepDefinitions: LoadedStepDefinition[] };
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  PARAMETER_DESCRIPTIONS = (require('../support/parameters') as { PARAMETER_DESCRIPTIONS: ParameterDescription[] }).PARAMETER_DESCRIPTIONS;
  return library.stepDefinitions.map((definition) => {
    const pattern = typeof definition.pattern === 'string' ? definition.pattern : definition.pattern.source;
    const parameters = [...pattern.matchAll(/\{([^}]*)\}/g)].map((match) => match[1]);
    return {
      keyword: definition.keyword,
      pattern,
      uri: definition.uri,
      line: definition.line,
      description: descriptionAbove(definition.uri, definition.line),
      parameters: [...new Set(parameters)],
      matches: (text: string) => definition.expression.match(text) !== null,
    };
  });
}

function describeParameter(name: string): string {
  const known = PARAMETER_DESCRIPTIONS.find((parameter) => parameter.name === name);
  if (known) return `\`{${name}}\`: ${known.acceptedForm}`;
  const builtin: Record<string, string> = {
    int: 'a whole number, e.g. `3`',
    float: 'a number, e.g. `0.5`',
    string: 'text in double quotes, e.g. `"us-east"`',
    word: 'one word without spaces',
    '': 'anything',
  };
  return `\`{${name}}\`: ${builtin[name] ?? 'see support/parameters.ts'}`;
}

function render(entries: StepEntry[]): string {
  const out: string[] = [
    '# Step glossary',
    '',
    'Generated by `npm run steps` from the step definitions and the feature files; do not edit by hand.',
    '`npm test` fails when this file is stale or when a feature line matches no step.',
    '',
    '## Parameters',
    '',
    ...PARAMETER_DESCRIPTIONS.map((parameter) => `- \`{${parameter.name}}\`: ${parameter.acceptedForm}.`),
    '- `{int}`: a whole number, e.g. `3`. `{string}`: text in double quotes.',
    '',
  ];
  const byFile = new Map<string, StepEntry[]>();
  for (const entry of entries) byFile.set(entry.uri, [...(byFile.get(entry.uri) ?? []), entry]);
  for (const [uri, group] of [...byFile].sort(([a], [b]) => a.localeCompare(b))) {
    const domain = path.basename(uri).replace(/\.steps\.ts$|\.ts$/, '');
    out.push(`## ${domain[0].toUpperCase()}${domain.slice(1)} (\`${uri}\`)`, '');
    for (const entry of group) {
      out.push(`### ${entry.keyword} ${entry.pattern}`, '');
      if (entry.description) out.push(entry.description, '');
      for (const parameter of entry.parameters) out.push(`- ${describeParameter(parameter)}`);
      if (entry.parameters.length > 0) out.push('');
      out.push(entry.example ? `Example (${entry.example.where}):` : 'Example: none yet.', '');
      if (entry.example) out.push('```gherkin', `${entry.keyword} ${entry.example.text}`, '```', '');
    }
  }
  return out.join('\n');
}

async function main(): Promise<void> {
  const check = process.argv.includes('--check');
  const entries = await stepEntries();
  const problems: string[] = [];
  for (const step of featureSteps()) {
    const matching = entries.filter((entry) => entry.matches(step.text));
    if (matching.length === 0) problems.push(`${step.where}: no step definition matches "${step.text}"`);
    if (matching.length > 1) problems.push(`${step.where}: ${matching.length} step definitions match "${step.text}"`);
    for (const entry of matching) entry.example ??= step;
  }
  for (const entry of entries) {
    if (!entry.example) problems.push(`${entry.uri}:${entry.line}: step "${entry.pattern}" is used by no feature (no example for the glossary)`);
  }
  const text = render(entries);
  if (check) {
    const current = fs.existsSync(GLOSSARY) ? fs.readFileSync(GLOSSARY, 'utf8') : '';
    if (current !== text) problems.push('docs/STEPS.md is stale: run `npm run steps` and commit it');
  } else {
    fs.mkdirSync(path.dirname(GLOSSARY), { recursive: true });
    fs.writeFileSync(GLOSSARY, text);
    console.log(`wrote ${path.relative(process.cwd(), GLOSSARY)}: ${entries.length} steps`);
  }
  if (problems.length > 0) {
    console.error(`Step glossary check failed:\n  ${problems.join('\n  ')}`);
    process.exit(1);
  }
  if (check) console.log(`step glossary: ${entries.length} steps, all used, docs/STEPS.md up to date`);
}

main().catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
