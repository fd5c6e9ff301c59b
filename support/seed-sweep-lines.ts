/** One step of a swept scenario: its text without the keyword, and its table if any. */
export interface StepLine {
  readonly text: string;
  readonly table: string[][] | undefined;
}

/** Parses the doc string: one step per line (keyword first), a table's rows under its step. */
export function parseStepLines(docString: string): StepLine[] {
  const steps: { text: string; table: string[][] | undefined }[] = [];
  for (const raw of docString.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    if (line.startsWith('|')) {
      const step = steps[steps.length - 1];
      if (!step) throw new Error(`a table row comes before any step: ${line}`);
      (step.table ??= []).push(line.slice(1, -1).split('|').map((cell) => cell.trim()));
      continue;
    }
    const match = /^(Given|When|Then|And|But|\*) (.+)$/.exec(line);
    if (!match) throw new Error(`a swept step starts with Given, When, Then, And or But: ${JSON.stringify(line)}`);
    steps.push({ text: match[2], table: undefined });
  }
  if (steps.length === 0) throw new Error('the sweep has no steps to run');
  return steps;
}
