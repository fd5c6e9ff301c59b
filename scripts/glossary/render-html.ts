/*
 * docs/STEPS.html: the glossary as one offline page (no external resources), grouped by
 * capability, with a search box that filters steps by any word of their pattern,
 * description, parameters or examples. Deterministic: no dates, stable order.
 */
import { timingOf } from '../../support/glossary/step-docs';
import { acceptedForm, byCapability, exampleOf, formatTable, type Glossary, type StepEntry } from './model';

function escape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** The pattern with its parameters highlighted. */
function patternHtml(pattern: string): string {
  return escape(pattern).replace(/\{[^}]*\}/g, (parameter) => `<span class="param">${parameter}</span>`);
}

function anchor(entry: StepEntry): string {
  return `step-${entry.uri.replace(/[^a-z0-9]+/gi, '-')}-${entry.line}`;
}

const TIMING: Record<string, string> = {
  within: 'waits up to the duration given in the step',
  instant: 'instant: checks the present moment, does not wait',
  waits: 'waits, within the bound its description states',
};

function entryHtml(entry: StepEntry, glossary: Glossary): string {
  const example = exampleOf(entry);
  const rows: string[] = [`<dt>Needs first</dt><dd>${escape(entry.needs ?? '(not documented)')}</dd>`];
  const timing = entry.keyword === 'Then' ? timingOf(entry.pattern, entry.doc.summary) : undefined;
  if (timing) rows.push(`<dt>Timing</dt><dd>${TIMING[timing]}</dd>`);
  for (const name of entry.parameters) rows.push(`<dt><code>{${escape(name)}}</code></dt><dd>${escape(acceptedForm(name, glossary.parameters) ?? 'see support/parameters.ts')}</dd>`);
  for (const values of entry.doc.values) rows.push(`<dt>Values</dt><dd>${escape(values)}</dd>`);
  if (entry.doc.columns) rows.push(`<dt>Columns</dt><dd>${escape(entry.doc.columns)}</dd>`);
  const exampleLines = example ? [`${entry.keyword} ${example.text}`, ...(example.table ? formatTable(example.table).map((row) => `  ${row}`) : [])] : [];
  const fullTable = entry.doc.table.length > 0 && !example?.table ? entry.doc.table.map((row) => `  ${row}`) : [];
  const used = [...new Set(entry.usages.map((usage) => usage.where.replace(/:\d+$/, '')))];
  const search = [entry.keyword, entry.pattern, entry.doc.summary, entry.needs ?? '', ...entry.doc.values, entry.doc.columns ?? '', ...exampleLines].join(' ').toLowerCase();
  return [
    `<article class="step" id="${anchor(entry)}" data-search="${escape(search)}">`,
    `<h4><span class="kw">${entry.keyword}</span> ${patternHtml(entry.pattern)}</h4>`,
    entry.doc.summary ? `<p>${escape(entry.doc.summary)}</p>` : '',
    `<dl>${rows.join('')}</dl>`,
    example ? `<div class="ex">Example <small>(${escape(example.where)})</small><pre>${escape(exampleLines.join('\n'))}</pre></div>` : '<p>Example: none yet.</p>',
    fullTable.length > 0 ? `<div class="ex">Full table<pre>${escape(fullTable.join('\n'))}</pre></div>` : '',
    `<p class="used">Used by: ${used.map((file) => `<code>${escape(file)}</code>`).join(', ')}</p>`,
    `<p class="src">Defined in <code>${escape(entry.uri)}:${entry.line}</code></p>`,
    '</article>',
  ].filter((line) => line !== '').join('\n');
}

const STYLE = `
body{font:15px/1.45 system-ui,sans-serif;margin:0;color:#222;background:#fafafa}
header{position:sticky;top:0;background:#1f3a5f;color:#fff;padding:10px 20px;z-index:1}
header input{width:60%;font-size:16px;padding:6px 10px;border-radius:4px;border:0}
header small{margin-left:12px}
nav{padding:8px 20px;background:#e8eef6}
nav a{margin-right:14px}
main{padding:0 20px 40px}
h2{border-bottom:2px solid #1f3a5f;margin-top:28px}
h3{margin-bottom:4px}
.step{background:#fff;border:1px solid #ddd;border-radius:6px;padding:8px 14px;margin:10px 0}
.step h4{margin:4px 0;font-family:ui-monospace,monospace;font-size:14px}
.kw{color:#8a3ffc}
.param{color:#0f62fe;font-weight:bold}
dl{display:grid;grid-template-columns:max-content 1fr;gap:2px 12px;margin:6px 0}
dt{font-weight:600;color:#555}
dd{margin:0}
pre{background:#f3f3f3;padding:6px 10px;border-radius:4px;overflow-x:auto;margin:4px 0}
.used,.src{color:#666;font-size:13px;margin:4px 0}
.group{margin:18px 0 4px;color:#1f3a5f;font-size:15px}
.hidden{display:none}
`;

const SCRIPT = `
const box=document.getElementById('q');const count=document.getElementById('count');
function filter(){const words=box.value.toLowerCase().split(/\\s+/).filter(Boolean);let shown=0;
for(const step of document.querySelectorAll('.step')){const hit=words.every(w=>step.dataset.search.includes(w));step.classList.toggle('hidden',!hit);if(hit)shown++;}
for(const section of document.querySelectorAll('section')){section.classList.toggle('hidden',section.querySelectorAll('.step:not(.hidden)').length===0);}
count.textContent=shown+(shown===1?' step':' steps');}
box.addEventListener('input',filter);filter();
`;

export function renderHtml(glossary: Glossary): string {
  const capabilities = [...byCapability(glossary.entries)];
  const body: string[] = [];
  for (const [capability, sections] of capabilities) {
    body.push(`<section id="cap-${escape(capability)}"><h2>${escape(capability[0].toUpperCase() + capability.slice(1))}</h2>`);
    for (const [title, entries] of sections) {
      const section = entries[0].section;
      body.push(`<h3>${escape(title.replace(/`/g, ''))}</h3>`);
      if (section.intro) body.push(`<p>${escape(section.intro)}</p>`);
      body.push(`<p><b>Needs first:</b> ${escape(section.needs ?? '(not documented)')}</p>`);
      let group: string | undefined;
      for (const entry of entries) {
        if (entry.group !== undefined && entry.group !== group) body.push(`<h4 class="group">${escape(entry.group[0].toUpperCase() + entry.group.slice(1))}</h4>`);
        group = entry.group;
        body.push(entryHtml(entry, glossary));
      }
    }
    body.push('</section>');
  }
  const parameters = glossary.parameters.map((parameter) => `<dt><code>{${escape(parameter.name)}}</code></dt><dd>${escape(parameter.acceptedForm)}</dd>`).join('');
  return [
    '<!DOCTYPE html>',
    '<html lang="en"><head><meta charset="utf-8"><title>PhantomDB step glossary</title>',
    `<style>${STYLE}</style></head><body>`,
    '<header><b>PhantomDB step glossary</b> <input id="q" type="search" placeholder="Search steps: e.g. leader crashes, balance, within" autofocus> <small id="count"></small></header>',
    `<nav>${capabilities.map(([capability]) => `<a href="#cap-${escape(capability)}">${escape(capability)}</a>`).join('')}<a href="#parameters">parameters</a></nav>`,
    '<main>',
    '<p>Generated by <code>npm run steps</code>; do not edit by hand. Then-steps either wait (within a stated bound) or are instant; an instant check reads the present moment, so put it after a step that waited for what it needs.</p>',
    ...body,
    `<section id="parameters"><h2>Parameters</h2><dl>${parameters}<dt><code>{int}</code></dt><dd>a whole number</dd><dt><code>{string}</code></dt><dd>text in double quotes; any text unless the step lists its values</dd></dl></section>`,
    '</main>',
    `<script>${SCRIPT}</script>`,
    '</body></html>',
    '',
  ].join('\n');
}
