import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { closestSteps, abstractSentence } from '../../support/glossary/suggest';
import { commentAbove, groupAt, parseStepComment, sectionOf, timingOf } from '../../support/glossary/step-docs';
import { explainBankTotal } from '../../support/txn-scenario';
import { describeCommitRuleViolation } from '../../support/consensus-scenario';

/** The glossary's pieces an author relies on (issue 13: feature files from the glossary alone). */

const STEP_FILE = [
  '// Glossary section: Banking',
  '// Capability: transactions',
  '// Needs first: a bank.',
  '// Accounts and money.',
  '',
  '// ---- transfers ----',
  '// Needs first: two accounts.',
  '',
  '// Moves money.',
  '// Columns: from (required); to (required).',
  '// | from  | to  |',
  '// | alice | bob |',
  "When('money moves:', () => {});",
  '',
  '// Instant: the total is right.',
  "Then('the total is {int}', () => {});",
].join('\n');

describe('step documentation in step files', () => {
  it('reads the section header: title, capability, prerequisites and introduction', () => {
    assert.deepEqual(sectionOf(STEP_FILE, 'step-definitions/bank.steps.ts'), { title: 'Banking', capability: 'transactions', needs: 'a bank.', intro: 'Accounts and money.' });
  });

  it('names a file without a header after the file, with no prerequisites (so the check asks for them)', () => {
    assert.deepEqual(sectionOf("When('x', () => {});", 'step-definitions/load.steps.ts'), { title: 'Load', capability: 'load', intro: '' });
  });

  it('reads a step comment: description, columns and example table apart', () => {
    const lines = STEP_FILE.split('\n');
    const doc = parseStepComment(commentAbove(lines, 13));
    assert.equal(doc.summary, 'Moves money.');
    assert.equal(doc.columns, 'from (required); to (required).');
    assert.deepEqual(doc.table, ['| from  | to  |', '| alice | bob |']);
  });

  it('a group\'s prerequisites apply to the steps under it', () => {
    assert.deepEqual(groupAt(STEP_FILE, 13), { title: 'transfers', needs: 'two accounts.' });
  });

  it('a Then-step is instant, waits, or has a "within" form', () => {
    assert.equal(timingOf('the total is {int}', 'Instant: the total is right.'), 'instant');
    assert.equal(timingOf('within {duration} the total is {int}', ''), 'within');
    // the duration of a "within" form can be a tolerance read at once; the description's "Instant:" says so
    assert.equal(timingOf('the median latency is {int} ms, within {duration}', 'Instant: the median of the writes so far.'), 'instant');
    assert.equal(timingOf('the total is {int}', 'Waits (at most 10 s) for locks.'), 'waits');
    assert.equal(timingOf('the total is {int}', 'The total is right.'), undefined);
  });
});

describe('suggestions for a sentence that matches no step', () => {
  const entries = [
    { keyword: 'Then', pattern: 'within {duration} {group role} steps down' },
    { keyword: 'Then', pattern: 'the total balance is still {int}' },
    { keyword: 'When', pattern: '{node} is added to the group as a learner' },
    { keyword: 'When', pattern: '{node} crashes' },
  ];

  it('turns values into the parameters they look like', () => {
    assert.equal(abstractSentence('When node-4 joins "phantom" after 2 seconds with 3 and node-1, node-2 and node-3'), '{node} joins {string} after {duration} with {int} and {nodes}');
  });

  it('puts the step an author most likely meant first', () => {
    assert.equal(closestSteps('Then the leader steps down within 2 seconds', entries)[0].entry.pattern, 'within {duration} {group role} steps down');
    assert.equal(closestSteps('Then the total balance is 300', entries)[0].entry.pattern, 'the total balance is still {int}');
    assert.equal(closestSteps('When node-4 joins the group as a learner', entries)[0].entry.pattern, '{node} is added to the group as a learner');
  });

  it('returns at most the number asked for, best first', () => {
    const found = closestSteps('When node-2 crashed', entries, 3);
    assert.equal(found.length, 3);
    assert.ok(found[0].score >= found[1].score && found[1].score >= found[2].score);
  });
});

describe('failure messages a reader understands', () => {
  it('a wrong bank total names the accounts that differ from the committed transfers', () => {
    const balances = new Map<string, number | null>([['account-1', 90], ['account-2', 100], ['account-3', 105]]);
    const message = explainBankTotal(300, balances, 100, [{ from: 'account-1', to: 'account-3', amount: 10 }], []);
    assert.match(message, /the total balance is 295, not 300 \(5 lost\)/);
    assert.match(message, /- account-3: read 105, expected 110/);
    assert.doesNotMatch(message, /account-1:|account-2:/);
  });

  it('a transfer of unknown outcome is named next to the account it touches', () => {
    const balances = new Map<string, number | null>([['account-1', 95], ['account-2', 100]]);
    const message = explainBankTotal(200, balances, 100, [], [{ from: 'account-1', to: 'account-2', amount: 5 }]);
    assert.match(message, /- account-1: read 95, expected 100; transfers of unknown outcome touching it: 5 from account-1 to account-2/);
  });

  it('a Figure 8 violation names the group, the leader, its term and the index (Raft paper, section 5.4.2)', () => {
    const message = describeCommitRuleViolation({ groupId: 'shard-1', node: 'node-2', leaderTerm: 4, commitIndex: 3, entryTerm: 2 });
    assert.equal(message, 'in shard-1, node-2 (leader in term 4) committed index 3, an entry of earlier term 2, by counting replicas (Raft paper, section 5.4.2 and Figure 8)');
  });
});
