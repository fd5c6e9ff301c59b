/*
 * The linearizability checker on small hand-made histories, plus property tests:
 * sequential histories are always linearizable, a read of a value never written never
 * is, and on small random concurrent histories the WGL search agrees with brute force.
 * References: Herlihy & Wing, "Linearizability" (1990); Lowe, "Testing for
 * linearizability" (2017); Porcupine (anishathalye/porcupine).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  checkLinearizability,
  explainText,
  HistoryParseError,
  keyValueModel,
  parseHistory,
  registerModel,
  renderSvg,
  serializeHistory,
  type HistoryEvent,
  type LinearizabilityResult,
  type ProcessId,
} from '../src/check';

type Completion = 'ok' | 'fail' | 'info';

const invoke = (process: ProcessId, f: string, value?: unknown, key?: string): HistoryEvent =>
  withOptional({ process, type: 'invoke', f }, value, key);
const complete = (type: Completion, process: ProcessId, f: string, value?: unknown, key?: string): HistoryEvent =>
  withOptional({ process, type, f }, value, key);
const ok = (process: ProcessId, f: string, value?: unknown, key?: string): HistoryEvent =>
  complete('ok', process, f, value, key);

function withOptional(event: HistoryEvent, value: unknown, key: string | undefined): HistoryEvent {
  return { ...event, ...(key === undefined ? {} : { key }), ...(value === undefined ? {} : { value }) };
}

/** A whole operation with nothing overlapping it. */
const sequential = (process: ProcessId, f: string, argument: unknown, result: unknown, key?: string): HistoryEvent[] => [
  invoke(process, f, argument, key),
  ok(process, f, result, key),
];

const checkRegister = (events: HistoryEvent[]): LinearizabilityResult => checkLinearizability(events, registerModel);
const checkKeyValue = (events: HistoryEvent[]): LinearizabilityResult => checkLinearizability(events, keyValueModel);

describe('linearizability: register histories', () => {
  it('accepts a sequential history', () => {
    const result = checkRegister([
      ...sequential(0, 'write', 1, 1),
      ...sequential(1, 'read', null, 1),
      ...sequential(0, 'cas', [1, 2], [1, 2]),
      ...sequential(1, 'read', null, 2),
    ]);
    assert.equal(result.verdict, 'linearizable');
    assert.equal(result.explanation, undefined);
    assert.deepEqual(result.partitions.map((partition) => partition.key), [null]);
  });

  it('rejects a stale read and explains which read cannot be placed', () => {
    const result = checkRegister([
      ...sequential(0, 'write', 1, 1),
      ...sequential(1, 'write', 2, 2),
      ...sequential(2, 'read', null, 1),
    ]);
    assert.equal(result.verdict, 'not-linearizable');
    const explanation = result.explanation!;
    assert.deepEqual(explanation.prefix.map((operation) => operation.label), ['w(1)', 'w(2)']);
    assert.deepEqual(explanation.prefix.map((operation) => operation.stateAfter), ['1', '2']);
    assert.equal(explanation.stateAfterPrefix, '2');
    assert.equal(explanation.unplaceable.length, 1);
    const [stale] = explanation.unplaceable;
    assert.equal(stale.process, 2);
    assert.equal(stale.label, 'r→1');
    assert.equal(stale.invokeLine, 5);
    assert.equal(stale.completionLine, 6);
    assert.equal(stale.reason, 'read returned 1 but register holds 2');
    assert.equal(explanation.blocking.label, 'r→1');
    const text = explainText(result);
    assert.match(text, /^NOT LINEARIZABLE/);
    assert.match(text, /read returned 1 but register holds 2/);
    assert.match(text, /process 2 +r→1 +lines 5–6/);
  });

  it('accepts a read concurrent with a write returning either the old or the new value', () => {
    for (const seen of [null, 1]) {
      const result = checkRegister([invoke(0, 'write', 1), invoke(1, 'read'), ok(1, 'read', seen), ok(0, 'write', 1)]);
      assert.equal(result.verdict, 'linearizable', `a concurrent read returning ${seen}`);
    }
  });

  it('rejects a read that returns the new value and then the old one', () => {
    const result = checkRegister([
      invoke(0, 'write', 1),
      ...sequential(1, 'read', null, 1),
      ...sequential(2, 'read', null, null),
      ok(0, 'write', 1),
    ]);
    assert.equal(result.verdict, 'not-linearizable');
  });

  it('lets an info write take effect at any later moment, or never', () => {
    const unknownWrite = [invoke(0, 'write', 1), complete('info', 0, 'write')];
    const later = [...unknownWrite, ...sequential(1, 'read', null, null), ...sequential(1, 'read', null, 1)];
    const never = [...unknownWrite, ...sequential(1, 'read', null, null), ...sequential(2, 'read', null, null)];
    assert.equal(checkRegister(later).verdict, 'linearizable');
    assert.equal(checkRegister(never).verdict, 'linearizable');
    const unwritten = [...later, ...sequential(1, 'read', null, null)];
    assert.equal(checkRegister(unwritten).verdict, 'not-linearizable', 'once seen, the write cannot be undone');
  });

  it('treats an operation with no completion like info', () => {
    const result = checkRegister([invoke(0, 'write', 7), ...sequential(1, 'read', null, 7)]);
    assert.equal(result.verdict, 'linearizable');
  });

  it('takes a failed cas as proof that the compare saw another value', () => {
    const base = sequential(0, 'write', 1, 1);
    const failedCas = sequential(1, 'cas', [1, 2], [1, 2]).map((event, index) =>
      index === 1 ? { ...event, type: 'fail' as const } : event,
    );
    const result = checkRegister([...base, ...failedCas]);
    assert.equal(result.verdict, 'not-linearizable');
    assert.match(result.explanation!.unplaceable[0].reason, /cas failed/);
    const withConcurrentWrite = [...base, invoke(2, 'write', 3), ...failedCas, ok(2, 'write', 3)];
    assert.equal(checkRegister(withConcurrentWrite).verdict, 'linearizable');
  });

  it('ignores a failed write: it changed nothing', () => {
    const failedWrite = [invoke(1, 'write', 2), complete('fail', 1, 'write', 2)];
    const base = [...sequential(0, 'write', 1, 1), ...failedWrite];
    assert.equal(checkRegister([...base, ...sequential(0, 'read', null, 1)]).verdict, 'linearizable');
    assert.equal(checkRegister([...base, ...sequential(0, 'read', null, 2)]).verdict, 'not-linearizable');
  });

  it('compares composite values by content', () => {
    const result = checkRegister([...sequential(0, 'write', { b: 1, a: [2] }, null), ...sequential(1, 'read', null, { a: [2], b: 1 })]);
    assert.equal(result.verdict, 'linearizable');
    const confused = checkRegister([...sequential(0, 'write', [1], null), ...sequential(1, 'read', null, '[1]')]);
    assert.equal(confused.verdict, 'not-linearizable');
  });

  it('gives up with unknown when the step budget or the injected clock runs out', () => {
    const history = [...sequential(0, 'write', 1, 1), ...sequential(1, 'read', null, 1)];
    const stepLimited = checkLinearizability(history, registerModel, { maxSearchSteps: 1 });
    assert.equal(stepLimited.verdict, 'unknown');
    assert.equal(stepLimited.partitions[0].undecidedBecause, 'step-limit');
    let nowMs = 0;
    const clock = (): number => (nowMs += 10);
    const twoKeys = [...sequential(0, 'put', 'x', 'x', 'a'), ...sequential(0, 'put', 'y', 'y', 'b')];
    const timed = checkLinearizability(twoKeys, keyValueModel, { clock, timeoutMs: 5 });
    assert.equal(timed.verdict, 'unknown');
    assert.deepEqual(timed.partitions.map((partition) => partition.verdict), ['linearizable', 'unknown']);
    assert.equal(timed.partitions[1].undecidedBecause, 'time-limit');
    assert.match(explainText(timed), /^UNKNOWN/);
  });
});

describe('linearizability: kv histories', () => {
  it('checks each key on its own', () => {
    const result = checkKeyValue([
      invoke(0, 'put', 'x', 'a'),
      invoke(1, 'append', 'y', 'b'),
      ok(0, 'put', 'x', 'a'),
      ok(1, 'append', 'y', 'b'),
      ...sequential(0, 'get', null, 'x', 'a'),
      ...sequential(1, 'get', null, 'y', 'b'),
      ...sequential(2, 'get', null, '', 'c'),
    ]);
    assert.equal(result.verdict, 'linearizable');
    assert.deepEqual(result.partitions.map((partition) => partition.key), ['a', 'b', 'c']);
  });

  it('names the failing key and the get that cannot be placed', () => {
    const result = checkKeyValue([
      ...sequential(0, 'put', 'x', 'x', 'a'),
      ...sequential(1, 'append', 'y', 'y', 'b'),
      ...sequential(1, 'append', 'z', 'z', 'b'),
      ...sequential(0, 'get', null, 'x', 'a'),
      ...sequential(2, 'get', null, 'zy', 'b'),
    ]);
    assert.equal(result.verdict, 'not-linearizable');
    assert.deepEqual(
      result.partitions.map((partition) => [partition.key, partition.verdict]),
      [['a', 'linearizable'], ['b', 'not-linearizable']],
    );
    const explanation = result.explanation!;
    assert.equal(explanation.key, 'b');
    assert.equal(explanation.unplaceable[0].label, 'get→"zy"');
    assert.equal(explanation.unplaceable[0].reason, 'get returned "zy" but the key holds "yz"');
    const text = explainText(result);
    assert.match(text, /key "b"/);
    assert.match(text, /process 2 +get→"zy" +lines 9–10/);
  });

  it('finds appends that reach the same string by different routes equal', () => {
    const result = checkKeyValue([
      ...sequential(0, 'put', 'ab', 'ab', 'k'),
      ...sequential(0, 'put', 'a', 'a', 'k'),
      ...sequential(1, 'append', 'b', 'b', 'k'),
      ...sequential(2, 'get', null, 'ab', 'k'),
    ]);
    assert.equal(result.verdict, 'linearizable');
  });
});

describe('linearizability: SVG timeline', () => {
  it('draws a self-contained picture with green prefix and red unplaceable bars', () => {
    const history = [...sequential(0, 'write', 1, 1), ...sequential(1, 'write', 2, 2), ...sequential(2, 'read', null, 1)];
    const svg = renderSvg(checkRegister(history), history);
    assert.match(svg, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
    assert.match(svg, /<\/svg>\n$/);
    assert.doesNotMatch(svg, /<style|@import|@font-face|href=|<image/);
    assert.match(svg, /fill="#4caf50"/);
    assert.match(svg, /fill="#b71c1c"/);
    for (const label of ['w(1)', 'w(2)', 'r→1', 'process 2']) assert.ok(svg.includes(label), `labels ${label}`);
  });
});

describe('linearizability: parsing histories', () => {
  const parseError = (text: string): HistoryParseError => {
    try {
      parseHistory(text, registerModel);
    } catch (error) {
      assert.ok(error instanceof HistoryParseError, `expected HistoryParseError, got ${error}`);
      return error;
    }
    return assert.fail('expected the history to be rejected');
  };
  const line = (event: Record<string, unknown>): string => JSON.stringify(event);
  const firstInvoke = line({ process: 0, type: 'invoke', f: 'write', value: 1 });

  const cases: [string, string, RegExp][] = [
    ['bad JSON', `${firstInvoke}\n{"process": 0,`, /invalid JSON/],
    ['a non-object', `${firstInvoke}\n[1, 2]`, /must be a JSON object/],
    ['a missing process', `${firstInvoke}\n${line({ type: 'invoke', f: 'read' })}`, /"process" must be a number or a string/],
    ['an unknown type', `${firstInvoke}\n${line({ process: 1, type: 'done', f: 'read' })}`, /"type" must be one of/],
    ['an operation of another model', `${firstInvoke}\n${line({ process: 1, type: 'invoke', f: 'get' })}`, /unknown operation "get"/],
    ['a cas without [expected, new]', `${firstInvoke}\n${line({ process: 1, type: 'invoke', f: 'cas', value: 3 })}`, /cas needs "value": \[expected, new\]/],
    ['a completion without an invoke', `${firstInvoke}\n${line({ process: 1, type: 'ok', f: 'read', value: 1 })}`, /has no outstanding invoke/],
    ['two outstanding invokes', `${firstInvoke}\n${line({ process: 0, type: 'invoke', f: 'read' })}`, /still outstanding/],
    ['a completion of another operation', `${firstInvoke}\n${line({ process: 0, type: 'ok', f: 'read' })}`, /does not match/],
  ];
  for (const [name, text, message] of cases) {
    it(`rejects ${name} with its line number`, () => {
      const error = parseError(text);
      assert.equal(error.lineNumber, 2);
      assert.match(error.reason, message);
      assert.match(error.message, /^line 2: /);
    });
  }

  it('counts blank lines when numbering', () => {
    assert.equal(parseError(`${firstInvoke}\n\n\nnot json`).lineNumber, 4);
  });

  it('serializes events back to the same JSON Lines', () => {
    const text = [
      line({ process: 0, type: 'invoke', f: 'cas', value: [1, 2] }),
      line({ process: 'c1', type: 'invoke', f: 'read' }),
      line({ process: 0, type: 'fail', f: 'cas', value: [1, 2] }),
      line({ process: 'c1', type: 'ok', f: 'read', value: null }),
      line({ process: 2, type: 'invoke', f: 'put', key: 'k', value: 'v' }),
    ].join('\n') + '\n';
    const parsed = parseHistory(text);
    assert.equal(serializeHistory(parsed.events), text);
    assert.deepEqual(parsed.lineNumbers, [1, 2, 3, 4, 5]);
  });
});

// ---------------------------------------------------------------------------------------
// Properties

interface RegisterCall {
  readonly f: 'read' | 'write' | 'cas';
  readonly argument: unknown;
}

const registerCall: fc.Arbitrary<RegisterCall> = fc.oneof(
  fc.constant<RegisterCall>({ f: 'read', argument: null }),
  fc.integer({ min: 0, max: 4 }).map<RegisterCall>((value) => ({ f: 'write', argument: value })),
  fc.tuple(fc.integer({ min: 0, max: 4 }), fc.integer({ min: 0, max: 4 })).map<RegisterCall>((pair) => ({
    f: 'cas',
    argument: pair,
  })),
);

/** Runs calls one after another against a register, recording what each returned. */
function sequentialHistory(calls: readonly RegisterCall[], processes: readonly number[]): HistoryEvent[] {
  let state: unknown = null;
  return calls.flatMap((call, index) => {
    const process = processes[index % processes.length];
    if (call.f === 'read') return sequential(process, 'read', null, state);
    if (call.f === 'write') {
      state = call.argument;
      return sequential(process, 'write', call.argument, call.argument);
    }
    const [expected, replacement] = call.argument as [number, number];
    const succeeded = state === expected;
    if (succeeded) state = replacement;
    return [invoke(process, 'cas', call.argument), complete(succeeded ? 'ok' : 'fail', process, 'cas', call.argument)];
  });
}

describe('linearizability: properties', () => {
  const runs = { numRuns: 200, seed: 20260501 };

  it('accepts every history whose operations ran one at a time', () => {
    fc.assert(
      fc.property(fc.array(registerCall, { maxLength: 40 }), fc.array(fc.nat(5), { minLength: 1, maxLength: 6 }), (calls, processes) => {
        assert.equal(checkRegister(sequentialHistory(calls, processes)).verdict, 'linearizable');
      }),
      runs,
    );
  });

  it('rejects such a history once one read returns a value never written', () => {
    fc.assert(
      fc.property(fc.array(registerCall, { minLength: 1, maxLength: 40 }), fc.nat(), (calls, pick) => {
        const events = sequentialHistory([...calls, { f: 'read', argument: null }], [0, 1, 2]);
        const readResults = events.flatMap((event, index) => (event.type === 'ok' && event.f === 'read' ? [index] : []));
        const mutated = [...events];
        const target = readResults[pick % readResults.length];
        mutated[target] = { ...mutated[target], value: 99 };
        const result = checkRegister(mutated);
        assert.equal(result.verdict, 'not-linearizable');
        assert.ok(result.explanation!.unplaceable.some((operation) => operation.label === 'r→99'));
      }),
      runs,
    );
  });

  it('agrees with brute force on small concurrent register histories', () => {
    fc.assert(
      fc.property(concurrentRegisterHistory(6), (events) => {
        const expected = bruteForceLinearizable(events);
        assert.equal(checkRegister(events).verdict, expected ? 'linearizable' : 'not-linearizable');
      }),
      { numRuns: 400, seed: 7 },
    );
  });

  it('gives the same kv verdicts with the fast state space as with plain strings', () => {
    const plainStrings = { ...keyValueModel, createStateSpace: undefined };
    fc.assert(
      fc.property(concurrentKeyValueHistory(12), (events) => {
        const fast = checkLinearizability(events, keyValueModel).verdict;
        assert.equal(fast, checkLinearizability(events, plainStrings).verdict);
      }),
      { numRuns: 300, seed: 11 },
    );
  });
});

/**
 * Random histories from a simulated concurrent register: each call takes effect at a
 * random moment between its invoke and completion (so most histories are linearizable),
 * then some observations are rewritten (so some are not), and some outcomes become unknown.
 */
function concurrentRegisterHistory(operationCountMax: number): fc.Arbitrary<HistoryEvent[]> {
  return fc
    .record({
      calls: fc.array(registerCall, { minLength: 1, maxLength: operationCountMax }),
      schedule: fc.array(fc.nat(99), { minLength: 64, maxLength: 64 }),
      corruptions: fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 4 })), { maxLength: 2 }),
      unknownOutcomes: fc.array(fc.nat(), { maxLength: 2 }),
    })
    .map(({ calls, schedule, corruptions, unknownOutcomes }) => {
      const events = simulateRegister(calls, schedule);
      for (const [pick, value] of corruptions) corrupt(events, pick, value);
      for (const pick of unknownOutcomes) {
        const completions = events.flatMap((event, index) => (event.type !== 'invoke' ? [index] : []));
        const index = completions[pick % completions.length];
        events[index] = { process: events[index].process, type: 'info', f: events[index].f };
      }
      return events;
    });
}

/** Rewrites one observation: a read's result, or whether a cas's compare matched. */
function corrupt(events: HistoryEvent[], pick: number, value: number): void {
  const observations = events.flatMap((event, index) =>
    (event.type === 'ok' && event.f === 'read') || (event.type !== 'invoke' && event.f === 'cas') ? [index] : [],
  );
  if (observations.length === 0) return;
  const index = observations[pick % observations.length];
  const event = events[index];
  if (event.f === 'read') events[index] = { ...event, value };
  else events[index] = { ...event, type: event.type === 'ok' ? 'fail' : 'ok' };
}

/** Interleaves calls on three processes; `schedule` picks which process moves next. */
function simulateRegister(calls: readonly RegisterCall[], schedule: readonly number[]): HistoryEvent[] {
  const events: HistoryEvent[] = [];
  type Phase = { call: RegisterCall; applied: boolean; result?: HistoryEvent };
  const running = new Map<number, Phase>();
  let state: unknown = null;
  let nextCall = 0;
  for (let tick = 0; nextCall < calls.length || running.size > 0; tick++) {
    const process = schedule[tick % schedule.length] % 3;
    const phase = running.get(process);
    if (phase === undefined) {
      if (nextCall === calls.length) {
        const [busy] = running.keys();
        advance(busy);
        continue;
      }
      const call = calls[nextCall++];
      running.set(process, { call, applied: false });
      events.push(invoke(process, call.f, call.f === 'read' ? undefined : call.argument));
    } else advance(process);
  }
  return events;

  function advance(process: number): void {
    const phase = running.get(process)!;
    if (!phase.applied) {
      phase.applied = true;
      const { f, argument } = phase.call;
      if (f === 'read') phase.result = ok(process, 'read', state);
      else if (f === 'write') {
        state = argument;
        phase.result = ok(process, 'write', argument);
      } else {
        const [expected, replacement] = argument as [number, number];
        phase.result = complete(state === expected ? 'ok' : 'fail', process, 'cas', argument);
        if (state === expected) state = replacement;
      }
      return;
    }
    events.push(phase.result!);
    running.delete(process);
  }
}

/**
 * Linearizability by definition: some subset of the unknown-outcome calls plus every
 * completed call, in some order that respects real time, replays correctly.
 */
function bruteForceLinearizable(events: readonly HistoryEvent[]): boolean {
  type Call = { invokeAt: number; returnAt: number; f: string; argument: unknown; type: string; result: unknown };
  const calls: Call[] = [];
  const open = new Map<ProcessId, Call>();
  events.forEach((event, index) => {
    if (event.type === 'invoke') {
      const call = { invokeAt: index, returnAt: Infinity, f: event.f, argument: event.value, type: 'pending', result: undefined };
      calls.push(call);
      open.set(event.process, call);
      return;
    }
    const call = open.get(event.process)!;
    open.delete(event.process);
    call.type = event.type;
    call.result = event.value;
    if (event.type !== 'info') call.returnAt = index;
  });
  const placed = new Array<boolean>(calls.length).fill(false);
  const mustPlace = (call: Call): boolean => call.type === 'ok' || call.type === 'fail';
  const search = (state: unknown): boolean => {
    if (calls.every((call, index) => placed[index] || !mustPlace(call))) return true;
    const deadline = Math.min(...calls.filter((_, index) => !placed[index]).map((call) => call.returnAt));
    return calls.some((call, index) => {
      if (placed[index] || call.invokeAt > deadline) return false;
      const next = applyRegister(state, call);
      if (next === undefined) return false;
      placed[index] = true;
      const found = search(next.state);
      placed[index] = false;
      return found;
    });
  };
  return search(null);
}

function applyRegister(state: unknown, call: { f: string; argument: unknown; type: string; result: unknown }): { state: unknown } | undefined {
  const known = call.type === 'ok' || call.type === 'fail';
  if (call.type === 'fail' && call.f !== 'cas') return { state };
  if (call.f === 'read') return !known || call.result === state ? { state } : undefined;
  if (call.f === 'write') return { state: call.argument };
  const [expected, replacement] = call.argument as [unknown, unknown];
  if (!known) return { state: state === expected ? replacement : state };
  if (call.type === 'ok') return state === expected ? { state: replacement } : undefined;
  return state !== expected ? { state } : undefined;
}

/** Random concurrent kv histories on two keys over a tiny alphabet, so strings often coincide. */
function concurrentKeyValueHistory(operationCountMax: number): fc.Arbitrary<HistoryEvent[]> {
  const call = fc.record({
    f: fc.constantFrom('get', 'put', 'append'),
    key: fc.constantFrom('p', 'q'),
    argument: fc.constantFrom('a', 'b', 'ab', ''),
  });
  return fc
    .record({
      calls: fc.array(call, { minLength: 1, maxLength: operationCountMax }),
      overlaps: fc.array(fc.nat(3), { minLength: operationCountMax, maxLength: operationCountMax }),
      results: fc.array(fc.constantFrom('', 'a', 'b', 'ab', 'ba', 'aab', 'abab', 'bab'), {
        minLength: operationCountMax,
        maxLength: operationCountMax,
      }),
    })
    .map(({ calls, overlaps, results }) => {
      // Each call on its own process; call i completes after `overlaps[i]` later invokes.
      const events: HistoryEvent[] = [];
      const pending: { process: number; closesAfter: number; f: string; key: string; value?: string }[] = [];
      calls.forEach((item, index) => {
        events.push(invoke(index, item.f, item.f === 'get' ? undefined : item.argument, item.key));
        pending.push({ process: index, closesAfter: index + overlaps[index], f: item.f, key: item.key, value: item.f === 'get' ? results[index] : item.argument });
        for (const done of pending.filter((entry) => entry.closesAfter <= index)) {
          events.push(ok(done.process, done.f, done.value, done.key));
          pending.splice(pending.indexOf(done), 1);
        }
      });
      for (const done of pending) events.push(ok(done.process, done.f, done.value, done.key));
      return events;
    });
}
