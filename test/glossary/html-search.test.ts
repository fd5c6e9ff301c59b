/*
 * The search box of docs/STEPS.html (issue 13: the glossary as an authoring tool): typing
 * words keeps the steps whose text holds every word, and hides sections left empty. The
 * page's own script runs here against a minimal stand-in for the browser's document.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { REPOSITORY_ROOT } from '../repository';

class FakeElement {
  readonly classes = new Set<string>();
  readonly listeners: (() => void)[] = [];
  value = '';
  textContent = '';
  constructor(readonly dataset: { search?: string } = {}, readonly children: FakeElement[] = []) {}
  get classList() {
    return { toggle: (name: string, on: boolean) => (on ? this.classes.add(name) : this.classes.delete(name)) };
  }
  addEventListener(_event: string, listener: () => void): void {
    this.listeners.push(listener);
  }
  querySelectorAll(selector: string): FakeElement[] {
    assert.equal(selector, '.step:not(.hidden)');
    return this.children.filter((child) => !child.classes.has('hidden'));
  }
}

function pageScript(): string {
  const html = fs.readFileSync(path.join(REPOSITORY_ROOT, 'docs', 'STEPS.html'), 'utf8');
  return html.split('<script>')[1].split('</script>')[0];
}

describe('the HTML glossary search', () => {
  const steps = [new FakeElement({ search: 'when the leader crashes' }), new FakeElement({ search: 'then the total balance is still {int}' })];
  const section = new FakeElement({}, steps);
  const box = new FakeElement();
  const count = new FakeElement();
  const document = {
    getElementById: (id: string) => (id === 'q' ? box : count),
    querySelectorAll: (selector: string) => (selector === '.step' ? steps : [section]),
  };
  new Function('document', pageScript())(document);

  it('shows every step before anything is typed', () => {
    assert.equal(count.textContent, '2 steps');
  });

  it('keeps only the steps holding every word typed, in any case', () => {
    box.value = 'Leader CRASHES';
    box.listeners.forEach((listener) => listener());
    assert.deepEqual(steps.map((step) => step.classes.has('hidden')), [false, true]);
    assert.equal(count.textContent, '1 step');
  });

  it('hides a section with no step left', () => {
    box.value = 'no such words';
    box.listeners.forEach((listener) => listener());
    assert.equal(section.classes.has('hidden'), true);
  });
});
