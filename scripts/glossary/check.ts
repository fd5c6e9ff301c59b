/*
 * What `npm run steps:check` requires of the glossary beyond freshness: every feature
 * line matches exactly one step, every step is used, and every entry documents what an
 * author needs: prerequisites, closed value sets, table columns, and (for Then-steps)
 * whether the check is instant or waits.
 */
import type { ParameterDescription } from '../../support/parameters';
import { timingOf } from '../../support/glossary/step-docs';
import { type Glossary, type StepEntry, takesTable } from './model';

function at(entry: StepEntry): string {
  return `${entry.uri}:${entry.line}: step "${entry.pattern}"`;
}

export function entryProblems(entry: StepEntry, parameters: readonly ParameterDescription[]): string[] {
  const problems: string[] = [];
  if (entry.doc.summary === '') problems.push(`${at(entry)} has no description (the // lines above it)`);
  if (!entry.needs && entry.section.needs !== undefined) {
    problems.push(`${at(entry)} does not say what it needs first: add "// Needs first: ..." above it, under its "// ---- group ----" line, or to the file's "// Glossary section:" header`);
  }
  for (const name of entry.parameters) {
    const custom = parameters.some((parameter) => parameter.name === name);
    const builtin = ['int', 'float', 'string'].includes(name);
    if (!custom && !builtin && !(name === 'word' && entry.doc.values.length > 0)) {
      problems.push(`${at(entry)}: parameter {${name}} has no documented values: make it a parameter type in support/parameters.ts, or add "// Values: ..."`);
    }
  }
  if (takesTable(entry)) {
    if (!entry.doc.columns) problems.push(`${at(entry)} takes a data table but does not list its columns ("// Columns: name (required): accepted values; ...")`);
    if (entry.doc.table.length < 2) problems.push(`${at(entry)} takes a data table but shows no full example table ("// | column | ... |" lines)`);
  }
  if (entry.keyword === 'Then' && timingOf(entry.pattern, entry.doc.summary) === undefined) {
    problems.push(`${at(entry)} does not say whether it checks at once ("Instant ...") or waits ("Waits ... at most N s"), and has no "within {duration}" form`);
  }
  return problems;
}

export function glossaryProblems(glossary: Glossary): string[] {
  const problems: string[] = [];
  for (const step of glossary.featureSteps) {
    const matching = glossary.entries.filter((entry) => entry.matches(step.text));
    if (matching.length === 0) problems.push(`${step.where}: no step definition matches "${step.text}"`);
    if (matching.length > 1) problems.push(`${step.where}: ${matching.length} step definitions match "${step.text}"`);
  }
  for (const uri of [...new Set(glossary.entries.filter((entry) => entry.section.needs === undefined).map((entry) => entry.uri))]) {
    const count = glossary.entries.filter((entry) => entry.uri === uri && !entry.needs).length;
    if (count > 0) {
      problems.push(`${uri}: ${count} step(s) do not say what they need first, and the file has no section header. Start the file with:\n` +
        '    // Glossary section: <Title>\n    // Capability: <cluster | consensus | kv | replication | transactions | simulation | ...>\n' +
        '    // Needs first: <what an author must write before these steps, as a step, e.g. "Given a running cluster of 3 nodes">');
    }
  }
  for (const entry of glossary.entries) {
    if (entry.usages.length === 0) problems.push(`${at(entry)} is used by no feature (no example for the glossary)`);
    problems.push(...entryProblems(entry, glossary.parameters));
  }
  return problems;
}
