/*
 * The checker against 108 histories with verdicts published by other people
 * (Jepsen's etcd runs and Porcupine's kv logs; see the folder's README). Every verdict
 * must agree.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { checkLinearizability, modelNamed, parseHistory } from '../src/check';
import { CONFORMANCE_DIRECTORY } from './repository';

// CI converts the histories from a checkout of Porcupine (scripts/porcupine-histories.js) and points here with PHANTOM_CONFORMANCE_DIR.
const conformanceDirectory = process.env.PHANTOM_CONFORMANCE_DIR ? path.resolve(process.env.PHANTOM_CONFORMANCE_DIR) : CONFORMANCE_DIRECTORY;
const verdictsPath = path.join(conformanceDirectory, 'verdicts.json');

interface PublishedVerdict {
  readonly model: string;
  readonly linearizable: boolean;
  readonly events: number;
}

describe('linearizability conformance histories', () => {
  if (!fs.existsSync(verdictsPath)) {
    it('needs the shared conformance histories', (t) => {
      t.skip(`${conformanceDirectory} is absent: conformance histories not checked`);
    });
    return;
  }
  const verdicts = JSON.parse(fs.readFileSync(verdictsPath, 'utf8')) as Record<string, PublishedVerdict>;

  it('covers all 108 published histories', () => {
    assert.equal(Object.keys(verdicts).length, 108);
  });

  for (const [file, published] of Object.entries(verdicts)) {
    const expected = published.linearizable ? 'linearizable' : 'not-linearizable';
    it(`${file} is ${expected}`, () => {
      const model = modelNamed(published.model);
      assert.ok(model, `unknown model ${published.model}`);
      const history = parseHistory(fs.readFileSync(path.join(conformanceDirectory, file), 'utf8'), model);
      assert.equal(history.events.length, published.events);
      const result = checkLinearizability(history, model);
      assert.equal(result.verdict, expected);
      if (!published.linearizable) assert.ok(result.explanation, 'a violation comes with an explanation');
    });
  }
});
