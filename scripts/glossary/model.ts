/*
 * The glossary's model: every step definition cucumber loads, with its documentation
 * (support/glossary/step-docs.ts), its section and group, and every feature line that
 * uses it. Step files added later are picked up as they are: a file without a section
 * header becomes a section named after the file (and the check asks for the header).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { generateMessages } from '@cucumber/gherkin';
import { IdGenerator, SourceMediaType } from '@cucumber/messages';
import { loadConfiguration, loadSupport } from '@cucumber/cucumber/api';
import type { ParameterDescription } from '../../support/parameters';
import { commentAbove, groupAt, parametersOf, parseStepComment, sectionOf, type SectionDoc, type StepDoc } from '../../support/glossary/step-docs';

export interface FeatureStep {
  keyword: string;
  text: string;
  where: string;
  /** The step's data table, if it has one. */
  table?: string[][];
  /** The step's doc string (a block of text between triple quotes), if it has one. */
  docString?: string;
}

export interface StepEntry {
  keyword: string;
  pattern: string;
  uri: string;
  line: number;
  section: SectionDoc;
  group?: string;
  doc: StepDoc;
  /** What must come before the step: its own, its group's or its section's. */
  needs?: string;
  parameters: string[];
  usages: FeatureStep[];
  matches(text: string): boolean;
}

interface LoadedStepDefinition {
  keyword: string;
  pattern: string | RegExp;
  uri: string;
  line: number;
  expression: { match(text: string): unknown };
}

export interface Glossary {
  entries: StepEntry[];
  parameters: ParameterDescription[];
  featureSteps: FeatureStep[];
}

function featureFiles(directory: string): string[] {
  if (!fs.existsSync(directory)) return [];
  return fs.readdirSync(directory, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(directory, entry.name);
    if (entry.isDirectory()) return featureFiles(full);
    return entry.name.endsWith('.feature') ? [full] : [];
  }).sort();
}

/** Every step line of every feature, with the keyword it is written with (And/But resolved) and its table. */
export function readFeatureSteps(directory = 'features'): FeatureStep[] {
  const steps: FeatureStep[] = [];
  for (const file of featureFiles(directory)) {
    const uri = path.relative(process.cwd(), file).split(path.sep).join('/');
    const envelopes = generateMessages(fs.readFileSync(file, 'utf8'), uri, SourceMediaType.TEXT_X_CUCUMBER_GHERKIN_PLAIN, {
      includePickles: true,
      includeGherkinDocument: true,
      newId: IdGenerator.incrementing(),
    });
    const astSteps = new Map<string, { line: number; keyword: string }>();
    for (const envelope of envelopes) {
      if (envelope.parseError) throw new Error(`${uri}: ${envelope.parseError.message}`);
      const collect = (children: readonly any[] | undefined): void => {
        let keyword = 'Given';
        for (const child of children ?? []) {
          const container = child.background ?? child.scenario;
          for (const step of container?.steps ?? []) {
            const written = step.keyword.trim();
            if (['Given', 'When', 'Then'].includes(written)) keyword = written;
            astSteps.set(step.id, { line: step.location.line, keyword });
          }
          if (child.rule) collect(child.rule.children);
        }
      };
      collect(envelope.gherkinDocument?.feature?.children);
      for (const step of envelope.pickle?.steps ?? []) {
        const ast = astSteps.get(step.astNodeIds[0]);
        const rows = step.argument?.dataTable?.rows.map((row) => row.cells.map((cell) => cell.value));
        const docString = step.argument?.docString?.content;
        steps.push({
          keyword: ast?.keyword ?? 'Given',
          text: step.text,
          where: `${uri}:${ast?.line ?? '?'}`,
          ...(rows ? { table: rows } : {}),
          ...(docString !== undefined ? { docString } : {}),
        });
      }
    }
  }
  return steps;
}

const fileCache = new Map<string, string>();
function fileText(uri: string): string {
  if (!fileCache.has(uri)) fileCache.set(uri, fs.readFileSync(uri, 'utf8'));
  return fileCache.get(uri)!;
}

/** The step definitions and parameter types, as cucumber loads them for a run. */
export async function loadGlossary(): Promise<Glossary> {
  const { runConfiguration } = await loadConfiguration({ provided: { requireModule: [] } });
  // The API types the library as opaque; its step definitions are what the glossary lists.
  const library = (await loadSupport(runConfiguration)) as unknown as { stepDefinitions: LoadedStepDefinition[] };
  // Required only now: importing it earlier would register the parameter types outside a run.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const parameters = (require('../../support/parameters') as { PARAMETER_DESCRIPTIONS: ParameterDescription[] }).PARAMETER_DESCRIPTIONS;
  const entries = library.stepDefinitions.map((definition): StepEntry => {
    const pattern = typeof definition.pattern === 'string' ? definition.pattern : definition.pattern.source;
    const uri = path.relative(process.cwd(), definition.uri).split(path.sep).join('/');
    const text = fileText(definition.uri);
    const doc = parseStepComment(commentAbove(text.split('\n'), definition.line));
    const section = sectionOf(text, uri);
    const group = groupAt(text, definition.line);
    return {
      keyword: definition.keyword,
      pattern,
      uri,
      line: definition.line,
      section,
      group: group.title,
      doc,
      needs: doc.needs ?? group.needs ?? section.needs,
      parameters: parametersOf(pattern),
      usages: [],
      matches: (sentence: string) => definition.expression.match(sentence) !== null,
    };
  });
  const featureSteps = readFeatureSteps();
  for (const step of featureSteps) for (const entry of entries) if (entry.matches(step.text)) entry.usages.push(step);
  return { entries, parameters, featureSteps };
}

/** Entries grouped by capability, then section, in a stable order. */
export function byCapability(entries: readonly StepEntry[]): Map<string, Map<string, StepEntry[]>> {
  const capabilities = new Map<string, Map<string, StepEntry[]>>();
  const sorted = [...entries].sort((a, b) => a.section.capability.localeCompare(b.section.capability) || a.uri.localeCompare(b.uri) || a.line - b.line);
  for (const entry of sorted) {
    const sections = capabilities.get(entry.section.capability) ?? new Map<string, StepEntry[]>();
    capabilities.set(entry.section.capability, sections);
    const key = `${entry.section.title} (\`${entry.uri}\`)`;
    sections.set(key, [...(sections.get(key) ?? []), entry]);
  }
  return capabilities;
}

const BUILTIN_PARAMETERS: Record<string, string> = {
  int: 'a whole number, e.g. `3`',
  float: 'a number, e.g. `0.5`',
  string: 'text in double quotes, e.g. `"alice"`; any text unless the step lists its values',
  word: 'one word without spaces; the step lists the accepted words',
  '': 'anything',
};

/** What a parameter accepts, from support/parameters.ts or cucumber's built-in types. */
export function acceptedForm(name: string, parameters: readonly ParameterDescription[]): string | undefined {
  return parameters.find((parameter) => parameter.name === name)?.acceptedForm ?? BUILTIN_PARAMETERS[name];
}

/** The first usage, preferring one with a data table for a step that takes one. */
export function exampleOf(entry: StepEntry): FeatureStep | undefined {
  return entry.usages.find((usage) => usage.table !== undefined) ?? entry.usages[0];
}

/** A step takes a data table when a feature gives it one, or its pattern ends with ":" and no feature gives it a doc string instead. */
export function takesTable(entry: StepEntry): boolean {
  if (entry.usages.some((usage) => usage.table !== undefined)) return true;
  return entry.pattern.trimEnd().endsWith(':') && !entry.usages.some((usage) => usage.docString !== undefined);
}

export function formatTable(rows: readonly (readonly string[])[]): string[] {
  if (rows.length === 0) return [];
  const widths = rows[0].map((_, column) => Math.max(...rows.map((row) => (row[column] ?? '').length)));
  return rows.map((row) => `| ${row.map((cell, column) => cell.padEnd(widths[column])).join(' | ')} |`);
}
