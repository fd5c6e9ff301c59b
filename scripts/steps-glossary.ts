/*
 * `npm run steps` writes the glossary of the step vocabulary: docs/STEPS.md and the
 * searchable, offline docs/STEPS.html. Every step pattern, grouped by capability and
 * section (its step file), with its description, prerequisites, parameters and accepted
 * values, table columns, timing, a full example from a feature file and every feature
 * that uses it.
 *
 * `--check` writes nothing: it fails when either file is stale, when a feature line
 * matches no step (or several), when a step is used by no feature, or when an entry does
 * not document its prerequisites, closed value sets, table columns or timing.
 *
 * `--suggest "some sentence"` prints the glossary steps closest to the sentence.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { closestSteps } from '../support/glossary/suggest';
import { glossaryProblems } from './glossary/check';
import { acceptedForm, type Glossary, loadGlossary } from './glossary/model';
import { renderHtml } from './glossary/render-html';
import { renderMarkdown } from './glossary/render-markdown';

const OUTPUTS = [
  { file: path.resolve('docs', 'STEPS.md'), render: renderMarkdown },
  { file: path.resolve('docs', 'STEPS.html'), render: renderHtml },
];

function suggest(glossary: Glossary, sentence: string): void {
  const matching = glossary.entries.filter((entry) => entry.matches(sentence.replace(/^\s*(Given|When|Then|And|But)\s+/, '')));
  if (matching.length > 0) console.log(`"${sentence}" already matches: ${matching.map((entry) => `${entry.keyword} ${entry.pattern}`).join('; ')}\n`);
  console.log(`Closest glossary steps to "${sentence}":`);
  for (const { entry, score } of closestSteps(sentence, glossary.entries.map((entry) => ({ ...entry, summary: entry.doc.summary })), 5)) {
    console.log(`\n  ${entry.keyword} ${entry.pattern}    (${Math.round(score * 100)}% alike; ${entry.uri}:${entry.line})`);
    if (entry.doc.summary) console.log(`    ${entry.doc.summary}`);
    for (const name of entry.parameters) console.log(`    {${name}}: ${acceptedForm(name, glossary.parameters) ?? 'see support/parameters.ts'}`);
    if (entry.needs) console.log(`    Needs first: ${entry.needs}`);
    if (entry.usages[0]) console.log(`    e.g. ${entry.keyword} ${entry.usages[0].text}`);
  }
}

/**
 * Run from the build's dist/ (`npm test`, right after its build): the same check without
 * compiling the step files through ts-node, about a third of its CPU. The glossary names each
 * step by its TypeScript file and line, which cucumber reads off a stack trace, so the stack
 * must be mapped back through the build's source maps; and cucumber must load the compiled
 * steps (PHANTOMDB_COMPILED=1, which also refuses a dist/ older than a source).
 */
function prepareCompiledRun(): void {
  if (!__filename.endsWith('.js')) return;
  if (!process.sourceMapsEnabled) throw new Error('run the compiled glossary with `node --enable-source-maps`, so that steps are named by their TypeScript lines');
  const root = path.resolve(__dirname, '..', '..');
  (require(path.join(root, 'scripts', 'dist-freshness.js')) as { assertDistFresh(root: string, folders: string[]): void }).assertDistFresh(root, ['scripts']);
  process.env.PHANTOMDB_COMPILED = '1';
}

async function main(): Promise<void> {
  prepareCompiledRun();
  const args = process.argv.slice(2);
  const glossary = await loadGlossary();
  const suggestAt = args.indexOf('--suggest');
  if (suggestAt >= 0) {
    const sentence = args.slice(suggestAt + 1).join(' ').trim();
    if (sentence === '') throw new Error('usage: npm run steps -- --suggest "a sentence of a step"');
    suggest(glossary, sentence);
    return;
  }
  const check = args.includes('--check');
  const problems = glossaryProblems(glossary);
  for (const { file, render } of OUTPUTS) {
    const text = render(glossary);
    const name = path.relative(process.cwd(), file);
    if (check) {
      const current = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
      if (current !== text) problems.push(`${name} is stale: run \`npm run steps\` and commit it`);
    } else {
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(file, text);
      console.log(`wrote ${name}: ${glossary.entries.length} steps`);
    }
  }
  if (problems.length > 0) {
    console.error(`Step glossary check failed (${problems.length} problems):\n  ${problems.join('\n  ')}`);
    process.exit(1);
  }
  if (check) console.log(`step glossary: ${glossary.entries.length} steps, all used and documented; docs/STEPS.md and docs/STEPS.html up to date`);
}

main().catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
