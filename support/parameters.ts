import { defineParameterType } from '@cucumber/cucumber';
import type { PhantomWorld } from './world';

/**
 * Parameter types of the step vocabulary. Each regular expression is deliberately a
 * little wider than the accepted form, so that a wrong value reaches the transformer and
 * fails with a message that names the step, the value and the accepted form, instead of
 * leaving the step "undefined".
 */

export class StepParameterError extends Error {
  constructor(step: string, kind: string, value: string, acceptedForm: string) {
    super(`In step "${step}": ${JSON.stringify(value)} is not a valid ${kind}. Accepted form: ${acceptedForm}.`);
    this.name = 'StepParameterError';
  }
}

export interface ParameterDescription {
  name: string;
  acceptedForm: string;
  examples: string[];
}

export const PARAMETER_DESCRIPTIONS: ParameterDescription[] = [];

function parameter(
  description: ParameterDescription,
  regexp: RegExp,
  transform: (this: PhantomWorld, text: string, fail: () => never) => unknown,
): void {
  PARAMETER_DESCRIPTIONS.push(description);
  defineParameterType({
    name: description.name,
    regexp,
    useForSnippets: false,
    transformer(this: PhantomWorld, text: string) {
      const fail = (): never => {
        throw new StepParameterError(this.currentStep ?? '(unknown step)', description.name, text, description.acceptedForm);
      };
      return transform.call(this, text, fail);
    },
  });
}

/** A table lookup that never reaches Object.prototype ("constructor" is not a unit or a reason). */
function lookup<T>(table: Record<string, T>, key: string): T | undefined {
  return Object.hasOwn(table, key) ? table[key] : undefined;
}

const NODE_FORM = /^node-[1-9]\d{0,3}$/;
const NODE_ACCEPTED = '"node-" followed by a number from 1 to 9999, e.g. "node-3"';

parameter({ name: 'node', acceptedForm: NODE_ACCEPTED, examples: ['node-3'] }, /node-[^\s,"']*/, (text, fail) =>
  NODE_FORM.test(text) ? text : fail(),
);

parameter(
  {
    name: 'nodes',
    acceptedForm: `a list of nodes separated by ", " and "and", e.g. "node-1, node-2 and node-3"; each one ${NODE_ACCEPTED}`,
    examples: ['node-1, node-2 and node-3', 'node-4'],
  },
  /node-[^\s,"']*(?:(?:, | and |, and )node-[^\s,"']*)*/,
  (text, fail) => {
    const nodes = text.split(/, and |, | and /);
    if (!nodes.every((node) => NODE_FORM.test(node))) fail();
    if (new Set(nodes).size !== nodes.length) fail();
    return nodes;
  },
);

const DURATION_UNITS_MS: Record<string, number> = {
  ms: 1,
  millisecond: 1,
  milliseconds: 1,
  s: 1000,
  second: 1000,
  seconds: 1000,
  m: 60_000,
  minute: 60_000,
  minutes: 60_000,
};

/** Parses "500 ms", "2 seconds", "1.5 s", "1 minute" into milliseconds, or null. */
export function parseDurationMs(text: string): number | null {
  const match = /^(\d+(?:\.\d+)?)\s*([a-z]+)$/.exec(text.trim());
  if (!match) return null;
  const unit = lookup(DURATION_UNITS_MS, match[2]);
  const durationMs = unit === undefined ? null : Number(match[1]) * unit;
  return durationMs !== null && Number.isFinite(durationMs) ? durationMs : null;
}

parameter(
  {
    name: 'duration',
    acceptedForm: 'a number and a unit (ms, milliseconds, s, seconds, minute, minutes), e.g. "500 ms", "2 seconds", "1 minute"',
    examples: ['500 ms', '2 seconds', '1 minute'],
  },
  /\d+(?:\.\d+)?\s?[a-zA-Z]+/,
  (text, fail) => parseDurationMs(text) ?? fail(),
);

parameter(
  {
    name: 'percentage',
    acceptedForm: 'a number from 0 to 100 followed by "%", e.g. "10%"',
    examples: ['10%', '2.5%'],
  },
  /-?\d+(?:\.\d+)?\s?%/,
  (text, fail) => {
    const value = Number(text.replace('%', '').trim());
    return value >= 0 && value <= 100 ? value / 100 : fail();
  },
);

parameter(
  {
    name: 'region',
    acceptedForm: 'a region name in lower case with dashes, e.g. "us-east" or "eu-west-1"',
    examples: ['us-east', 'eu-west'],
  },
  /[A-Za-z]+-[A-Za-z0-9-]+/,
  (text, fail) => (/^[a-z]+(?:-[a-z]+)*(?:-\d+)?$/.test(text) ? text : fail()),
);

const MEMBER_STATES = ['alive', 'suspect', 'dead', 'left'];

parameter(
  {
    name: 'member state',
    acceptedForm: `one of ${MEMBER_STATES.map((state) => `"${state}"`).join(', ')}`,
    examples: ['alive', 'dead'],
  },
  /[a-z]+/,
  (text, fail) => (MEMBER_STATES.includes(text) ? text : fail()),
);

/** How a scenario names the reason a join was refused, and the code the system reports. */
export const JOIN_REJECTION_REASONS: Record<string, string> = {
  'the join token is wrong': 'wrong-token',
  'the cluster name is wrong': 'wrong-cluster',
  'its name is already in use': 'duplicate-id',
  'no seed answered': 'seeds-unreachable',
};

parameter(
  {
    name: 'join rejection',
    acceptedForm: `one of ${Object.keys(JOIN_REJECTION_REASONS).map((reason) => `"${reason}"`).join(', ')}`,
    examples: ['the join token is wrong'],
  },
  /(?:the|its|no) [a-z ]+/,
  (text, fail) => lookup(JOIN_REJECTION_REASONS, text) ?? fail(),
);

/** How scenarios name the kinds of fault a random schedule may inject. */
export const FAULT_NAMES: Record<string, string> = {
  partitions: 'partition',
  crashes: 'crash',
  pauses: 'pause',
  'message loss': 'loss',
  'duplicated messages': 'duplication',
  'clock skew': 'clock-skew',
};

parameter(
  {
    name: 'faults',
    acceptedForm: `a list of ${Object.keys(FAULT_NAMES).map((name) => `"${name}"`).join(', ')}, separated by ", " and "and"`,
    examples: ['partitions, crashes, pauses and message loss'],
  },
  /[a-z][a-z ,]*[a-z]/,
  (text, fail) => {
    const names = text.split(/, and |, | and /);
    const kinds = names.map((name) => lookup(FAULT_NAMES, name));
    return kinds.every((kind) => kind !== undefined) && new Set(kinds).size === kinds.length ? kinds : fail();
  },
);

// ---- consensus (step-definitions/consensus.steps.ts) -------------------------------------

/** How scenarios refer to a replica of the replicated group by what it is. */
export const GROUP_ROLES = ['the leader', 'the old leader', 'the new leader', 'a follower', 'the follower'] as const;
const GROUP_ROLE_ACCEPTED =
  '"the leader", "the old leader" (the leader before the scenario crashed, paused, cut off or removed it), ' +
  '"the new leader", "a follower" (one the scenario picks) or "the follower" (the one picked before)';

parameter(
  { name: 'group role', acceptedForm: GROUP_ROLE_ACCEPTED, examples: ['the leader', 'a follower'] },
  /(?:the|a) (?:old |new )?(?:leader|follower)/,
  (text, fail) => ((GROUP_ROLES as readonly string[]).includes(text) ? text : fail()),
);

parameter(
  {
    name: 'replica',
    acceptedForm: `a node (${NODE_ACCEPTED}) or one of ${GROUP_ROLE_ACCEPTED}`,
    examples: ['node-4', 'the follower'],
  },
  /node-[^\s,"']*|(?:the|a) (?:old |new )?(?:leader|follower)/,
  (text, fail) => (NODE_FORM.test(text) || (GROUP_ROLES as readonly string[]).includes(text) ? text : fail()),
);

parameter(
  {
    name: 'log terms',
    acceptedForm: 'the term of each log entry from index 1 on, whole numbers separated by spaces, e.g. "1 1 4 5"',
    examples: ['1 1 1 4 4 5 5 6 6 6'],
  },
  /\d[\d ]*/,
  (text, fail) => parseLogTerms(text) ?? fail(),
);

/** Parses "1 1 4 5" into terms (positive, never decreasing), or null. */
export function parseLogTerms(text: string): number[] | null {
  const trimmed = text.trim();
  if (trimmed === '') return [];
  if (!/^\d+(?: +\d+)*$/.test(trimmed)) return null;
  const terms = trimmed.split(/ +/).map(Number);
  return terms.every((term, index) => term > 0 && (index === 0 || term >= terms[index - 1])) ? terms : null;
}

/** How a scenario names the reason a membership change was refused, and the code the system reports. */
export const MEMBERSHIP_REFUSALS: Record<string, string> = {
  'the learner has not caught up': 'learner-not-caught-up',
  'another change is not yet committed': 'config-change-pending',
  'the leader has not yet committed an entry of its term': 'no-commit-in-current-term',
  'the group has no leader that a majority follows': 'not-leader',
};

parameter(
  {
    name: 'membership refusal',
    acceptedForm: `one of ${Object.keys(MEMBERSHIP_REFUSALS).map((reason) => `"${reason}"`).join(', ')}`,
    examples: ['the learner has not caught up'],
  },
  /(?:the|another) [a-z ]+/,
  (text, fail) => lookup(MEMBERSHIP_REFUSALS, text) ?? fail(),
);

// ---- georeplication (step-definitions/replication.steps.ts) ---------------------------------

/** How a scenario names a keyspace's conflict strategy, and the strategy's code. */
export const CONFLICT_STRATEGIES: Record<string, string> = {
  'last-writer-wins': 'lww',
  'multi-value': 'multi-value',
  'PN-counter': 'pn-counter',
  'add-wins OR-set': 'or-set',
};

parameter(
  {
    name: 'conflict strategy',
    acceptedForm: `one of ${Object.keys(CONFLICT_STRATEGIES).map((strategy) => `"${strategy}"`).join(', ')}`,
    examples: ['last-writer-wins', 'add-wins OR-set'],
  },
  /[A-Za-z-]+(?: [A-Za-z-]+)?/,
  (text, fail) => lookup(CONFLICT_STRATEGIES, text) ?? fail(),
);

// ---- load testing (step-definitions/load.steps.ts) ------------------------------------------

parameter(
  { name: 'percentile', acceptedForm: 'one of "p50", "p95", "p99" or "max"', examples: ['p99', 'max'] },
  /p\d+|max/,
  (text, fail) => (['p50', 'p95', 'p99', 'max'].includes(text) ? text : fail()),
);

parameter(
  { name: 'load operation', acceptedForm: 'one of "read", "write", "transaction" or "transfer"', examples: ['write', 'transfer'] },
  /[a-z]+/,
  (text, fail) => (['read', 'write', 'transaction', 'transfer'].includes(text) ? text : fail()),
);

// ---- transactions (step-definitions/transactions.steps.ts) -----------------------------------

/** The outcomes a client can learn, or recovery can apply, for a transaction. */
export const TRANSACTION_OUTCOMES = ['committed', 'aborted'] as const;

parameter(
  {
    name: 'transaction outcome',
    acceptedForm: `one of ${TRANSACTION_OUTCOMES.map((outcome) => `"${outcome}"`).join(', ')}`,
    examples: ['committed', 'aborted'],
  },
  /[a-z]+/,
  (text, fail) => ((TRANSACTION_OUTCOMES as readonly string[]).includes(text) ? text : fail()),
);

// ---- faults (step-definitions/faults.steps.ts) ------------------------------------------------

/** What an operator may ask for on a node, and what each refusal says (the node's state decides). */
export const OPERATOR_ACTIONS = ['pause', 'resume', 'crash', 'restart'] as const;

parameter(
  {
    name: 'operator action',
    acceptedForm: `one of ${OPERATOR_ACTIONS.map((action) => `"${action}"`).join(', ')}`,
    examples: ['pause', 'resume'],
  },
  /[a-z]+/,
  (text, fail) => ((OPERATOR_ACTIONS as readonly string[]).includes(text) ? text : fail()),
);
