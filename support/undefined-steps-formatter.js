'use strict';
/*
 * When a run meets a step that matches no definition, prints the three glossary entries
 * closest to it (to stderr, and to the formatter's output file), next to cucumber's own
 * "Undefined" snippet, so that an author sees which existing step they probably meant.
 */
const fs = require('node:fs');
const { Formatter } = require('@cucumber/cucumber');
// Compiled runs (PHANTOMDB_COMPILED=1) register no TypeScript compiler: the build's JavaScript then.
const glossaryModule = (name) => (require.extensions['.ts'] ? require(`./glossary/${name}.ts`) : require(`../dist/support/glossary/${name}.js`));
const { closestSteps } = glossaryModule('suggest');
const { commentAbove, parseStepComment } = glossaryModule('step-docs');

const SUGGESTIONS = 3;

function glossaryEntries(supportCodeLibrary) {
  const files = new Map();
  return supportCodeLibrary.stepDefinitions.map((definition) => {
    const pattern = typeof definition.pattern === 'string' ? definition.pattern : definition.pattern.source;
    if (!files.has(definition.uri)) files.set(definition.uri, fs.existsSync(definition.uri) ? fs.readFileSync(definition.uri, 'utf8').split('\n') : []);
    const summary = parseStepComment(commentAbove(files.get(definition.uri), definition.line)).summary;
    return { keyword: definition.keyword, pattern, summary, where: `${definition.uri}:${definition.line}` };
  });
}

class UndefinedStepsFormatter extends Formatter {
  constructor(options) {
    super(options);
    this.entries = glossaryEntries(options.supportCodeLibrary);
    this.pickleSteps = new Map();
    this.undefinedSteps = new Map();
    options.eventBroadcaster.on('envelope', (envelope) => this.onEnvelope(envelope));
  }

  onEnvelope(envelope) {
    if (envelope.pickle) {
      for (const step of envelope.pickle.steps) {
        const keyword = { Context: 'Given', Action: 'When', Outcome: 'Then' }[step.type] ?? '';
        this.pickleSteps.set(step.id, { text: `${keyword} ${step.text}`.trim(), uri: envelope.pickle.uri });
      }
    } else if (envelope.suggestion) {
      const step = this.pickleSteps.get(envelope.suggestion.pickleStepId);
      if (step && !this.undefinedSteps.has(step.text)) this.undefinedSteps.set(step.text, step.uri);
    } else if (envelope.testRunFinished && this.undefinedSteps.size > 0) {
      const report = this.report();
      this.log(report);
      process.stderr.write(report);
    }
  }

  report() {
    const lines = [`\n${this.undefinedSteps.size} step(s) match no definition. The closest glossary entries (docs/STEPS.md, docs/STEPS.html):`];
    for (const [text, uri] of this.undefinedSteps) {
      lines.push('', `  "${text}" (${uri})`);
      for (const { entry, score } of closestSteps(text, this.entries, SUGGESTIONS)) {
        lines.push(`    ${entry.keyword} ${entry.pattern}   (${Math.round(score * 100)}% alike; ${entry.where})`);
      }
    }
    lines.push('', 'More: npm run steps -- --suggest "<the sentence>"', '');
    return lines.join('\n');
  }
}

UndefinedStepsFormatter.documentation = 'For every undefined step, the three closest glossary entries';
module.exports = UndefinedStepsFormatter;
