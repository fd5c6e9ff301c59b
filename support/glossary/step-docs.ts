/*
 * How a step file documents its steps for the glossary (docs/STEPS.md, docs/STEPS.html).
 * Pure text parsing: no cucumber, no simulation, so that the glossary script, the
 * undefined-step formatter and unit tests can all use it.
 *
 * A step file starts with a section header:
 *
 *   // Glossary section: Transactions
 *   // Capability: transactions
 *   // Needs first: nothing; steps that need a store start a default one (...).
 *   // Any other line is the section's introduction.
 *
 * A line `// ---- accounts ----` starts a group of steps; a `// Needs first: ...` line in
 * the same comment block sets what the group's steps need (overriding the section's).
 *
 * The `//` lines right above a step definition describe it. Tagged lines:
 *   Needs first: ...   what must come before this step (overrides group and section)
 *   Values: ...        the accepted values of a {string} or {word} parameter with a closed set
 *   Columns: ...       the columns of the step's data table, which are required, their values
 *   | a | b |          rows of one full example table
 * Every other line is the description. A Then-step says "Instant" (it checks the present
 * moment) or "Waits" (it waits, within a stated bound) unless its pattern says "within".
 */

export interface StepDoc {
  /** The description: what the step does, in plain sentences. */
  summary: string;
  needs?: string;
  values: string[];
  columns?: string;
  /** Rows of the example table, as written (`| a | b |`). */
  table: string[];
}

export interface SectionDoc {
  title: string;
  capability: string;
  needs?: string;
  intro: string;
}

const TAGS = /^(Needs first|Values|Columns):\s*(.*)$/;

/** Parses the comment lines (already stripped of `//`) that describe one step. */
export function parseStepComment(lines: readonly string[]): StepDoc {
  const doc: StepDoc = { summary: '', values: [], table: [] };
  const summary: string[] = [];
  for (const raw of lines) {
    const line = raw.trim();
    if (line.startsWith('|')) {
      doc.table.push(line);
      continue;
    }
    const tagged = TAGS.exec(line);
    if (!tagged) {
      if (line !== '') summary.push(line);
      continue;
    }
    const [, tag, text] = tagged;
    if (tag === 'Needs first') doc.needs = text;
    else if (tag === 'Values') doc.values.push(text);
    else doc.columns = doc.columns === undefined ? text : `${doc.columns} ${text}`;
  }
  doc.summary = summary.join(' ');
  return doc;
}

function commentText(line: string): string | undefined {
  const match = /^\s*\/\/\s?(.*)$/.exec(line);
  return match ? match[1] : undefined;
}

/** The `//` lines directly above a 1-based line, top first. */
export function commentAbove(fileLines: readonly string[], line: number): string[] {
  const comments: string[] = [];
  for (let index = line - 2; index >= 0; index--) {
    const text = commentText(fileLines[index]);
    if (text === undefined) break;
    comments.unshift(text);
  }
  return comments;
}

/** The section header of a step file; a file without one is named after itself and has no prerequisites. */
export function sectionOf(fileText: string, fileName: string): SectionDoc {
  const lines = fileText.split('\n');
  const domain = fileName.replace(/^.*\//, '').replace(/\.steps\.ts$|\.ts$/, '');
  const fallback: SectionDoc = { title: domain[0].toUpperCase() + domain.slice(1), capability: domain, intro: '' };
  const start = lines.findIndex((line) => /^\s*\/\/\s?Glossary section:/.test(line));
  if (start < 0) return fallback;
  const section: SectionDoc = { ...fallback, title: commentText(lines[start])!.replace(/^Glossary section:\s*/, '').trim() };
  const intro: string[] = [];
  for (let index = start + 1; index < lines.length; index++) {
    const text = commentText(lines[index]);
    if (text === undefined) break;
    const capability = /^Capability:\s*(.+)$/.exec(text.trim());
    const needs = /^Needs first:\s*(.+)$/.exec(text.trim());
    if (capability) section.capability = capability[1].trim().toLowerCase();
    else if (needs) section.needs = needs[1].trim();
    else if (text.trim() !== '') intro.push(text.trim());
  }
  section.intro = intro.join(' ');
  return section;
}

/** The group (a `// ---- title ----` line) a 1-based line falls in, and what its steps need. */
export function groupAt(fileText: string, line: number): { title?: string; needs?: string } {
  const lines = fileText.split('\n');
  for (let index = line - 2; index >= 0; index--) {
    const text = commentText(lines[index]);
    const header = text === undefined ? null : /^-{2,}\s*(.+?)\s*-{2,}$/.exec(text.trim());
    if (!header) continue;
    const group: { title?: string; needs?: string } = { title: header[1] };
    for (let next = index + 1; next < lines.length; next++) {
      const more = commentText(lines[next]);
      if (more === undefined) break;
      const needs = /^Needs first:\s*(.+)$/.exec(more.trim());
      if (needs) group.needs = needs[1].trim();
    }
    return group;
  }
  return {};
}

/** The parameter names of a cucumber expression, in order, without repeats. */
export function parametersOf(pattern: string): string[] {
  return [...new Set([...pattern.matchAll(/\{([^}]*)\}/g)].map((match) => match[1]))];
}

/** A Then-step's timing: given by its pattern ("within ..."), or stated in its description. */
export function timingOf(pattern: string, summary: string): 'within' | 'waits' | 'instant' | undefined {
  // A description that says "Instant:" wins: in "..., within {duration}" the duration can be a tolerance or a bound on
  // what already happened (a median within 2 ms, a takeover within 5 s), not how long the step waits.
  if (/\bInstant:/.test(summary)) return 'instant';
  if (/\bwithin \{duration\}/.test(pattern)) return 'within';
  if (/\bInstant\b/.test(summary)) return 'instant';
  if (/\bWaits\b/.test(summary)) return 'waits';
  return undefined;
}
