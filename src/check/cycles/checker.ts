import { DependencyGraph, type Edge, type EdgeKind } from './graph';
import { type CycleModel, type CycleTxn, nameOf, readList } from './history';

/**
 * An Elle-style isolation checker (Kingsbury and Alvaro, "Elle: Inferring Isolation
 * Anomalies from Experimental Observations", VLDB 2020) over Adya's phenomena:
 *
 * - G1a, aborted read: a committed transaction read a value an aborted one wrote.
 * - G1b, intermediate read: it read a value its writer later overwrote in the same transaction.
 * - G0, write cycle: transactions overwrote each other in a cycle (ww edges only).
 * - G1c, circular information flow: a cycle of ww and wr edges (with at least one wr).
 * - G2, anti-dependency cycle: a cycle with at least one rw edge (G-single: exactly one).
 *
 * plus what breaks the checker's own assumptions or the data model: reads of values
 * nobody wrote (garbage), a transaction not seeing its own writes (internal), a value
 * written twice, and list reads that are not prefixes of one another.
 *
 * Committed (`ok`) transactions are checked; an `info` transaction (outcome unknown)
 * takes part once a committed one has read something it wrote, since it then committed.
 * A history with none of the anomalies above is serializable as far as its reads show.
 */

export type AnomalyType = 'G0' | 'G1a' | 'G1b' | 'G1c' | 'G2' | 'garbage-read' | 'internal' | 'duplicate-write' | 'incompatible-order';

export interface CycleStep {
  readonly from: string;
  readonly to: string;
  readonly kind: EdgeKind;
  readonly why: string;
}

export interface Anomaly {
  readonly type: AnomalyType;
  /** For G2: `G-single` when the cycle has exactly one anti-dependency. */
  readonly subtype?: 'G-single' | 'G2-item';
  /** The anomaly in words. */
  readonly description: string;
  /** Ids of the transactions involved. */
  readonly txns: readonly string[];
  readonly cycle?: readonly CycleStep[];
}

export interface CycleCheckResult {
  readonly valid: boolean;
  readonly anomalies: readonly Anomaly[];
  /** Anomaly types found, in a fixed order. */
  readonly types: readonly AnomalyType[];
  readonly stats: {
    readonly ok: number;
    readonly fail: number;
    readonly info: number;
    /** Info transactions shown committed by a read of their writes. */
    readonly infoObserved: number;
    readonly edges: Readonly<Record<EdgeKind, number>>;
  };
}

export interface CycleCheckOptions {
  readonly model: CycleModel;
  /** Anomalies reported per type (the rest are counted, not described). */
  readonly anomaliesPerTypeMax?: number;
}

const typeOrder: readonly AnomalyType[] = ['G0', 'G1a', 'G1b', 'G1c', 'G2', 'garbage-read', 'internal', 'duplicate-write', 'incompatible-order'];

/** Who wrote a value of a key: transaction index, and whether it was that transaction's last write of the key. */
interface WriteRef {
  readonly txn: number;
  readonly final: boolean;
}

/** An external read: the first read of a key in a transaction, before the transaction wrote it. */
interface ExternalRead {
  readonly txn: number;
  readonly key: string;
  /** register: the value (null = initial); list-append: the list. */
  readonly value: string | null;
  readonly list: readonly string[];
}

const initial = '\u0000initial';

export function checkTransactions(history: readonly CycleTxn[], options: CycleCheckOptions): CycleCheckResult {
  return new Analysis(history, options).run();
}

class Analysis {
  private readonly anomalies: Anomaly[] = [];
  private readonly perType = new Map<AnomalyType, number>();
  private readonly writes = new Map<string, Map<string, WriteRef>>();
  private readonly reads: ExternalRead[] = [];
  private readonly observed = new Set<number>();
  private readonly graph: DependencyGraph;
  private readonly limit: number;

  constructor(
    private readonly history: readonly CycleTxn[],
    private readonly options: CycleCheckOptions,
  ) {
    this.graph = new DependencyGraph(history.length);
    this.limit = options.anomaliesPerTypeMax ?? 8;
  }

  run(): CycleCheckResult {
    this.indexWrites();
    this.history.forEach((txn, index) => this.collectReads(txn, index));
    for (const read of this.reads) this.checkRead(read);
    if (this.options.model === 'list-append') this.listAppendEdges();
    else this.registerEdges();
    this.findCycles();
    const types = typeOrder.filter((type) => this.perType.has(type));
    const count = (type: CycleTxn['type']) => this.history.filter((txn) => txn.type === type).length;
    return {
      valid: this.anomalies.length === 0,
      anomalies: this.anomalies,
      types,
      stats: { ok: count('ok'), fail: count('fail'), info: count('info'), infoObserved: this.observed.size, edges: { ...this.graph.counts } },
    };
  }

  private report(anomaly: Anomaly): void {
    const seen = this.perType.get(anomaly.type) ?? 0;
    this.perType.set(anomaly.type, seen + 1);
    if (seen < this.limit) this.anomalies.push(anomaly);
  }

  private name(index: number): string {
    return nameOf(this.history[index]);
  }

  /** Takes part in the dependency graph: committed, or shown committed by a read. */
  private participates(index: number): boolean {
    const type = this.history[index].type;
    return type === 'ok' || (type === 'info' && this.observed.has(index));
  }

  // ---- writes and reads --------------------------------------------------------------------

  private indexWrites(): void {
    this.history.forEach((txn, index) => {
      const lastWrite = new Map<string, string>();
      for (const op of txn.ops) {
        if (op.f === 'r' || op.value === null) continue;
        lastWrite.set(op.key, op.value);
      }
      for (const op of txn.ops) {
        if (op.f === 'r' || op.value === null) continue;
        if (op.f !== (this.options.model === 'list-append' ? 'append' : 'w')) continue;
        let values = this.writes.get(op.key);
        if (values === undefined) {
          values = new Map();
          this.writes.set(op.key, values);
        }
        const earlier = values.get(op.value);
        if (earlier !== undefined) {
          this.report({
            type: 'duplicate-write',
            description: `${op.key} = ${op.value} was written by ${this.name(earlier.txn)} and again by ${this.name(index)}; the checker needs every written value of a key to be unique`,
            txns: [this.history[earlier.txn].id, txn.id],
          });
          continue;
        }
        values.set(op.value, { txn: index, final: lastWrite.get(op.key) === op.value });
      }
    });
  }

  /** External reads of committed (and unknown) transactions; checks reads of a transaction's own writes. */
  private collectReads(txn: CycleTxn, index: number): void {
    if (txn.type === 'fail') return;
    const own = new Map<string, string[]>();
    for (const op of txn.ops) {
      if (op.f === 'w' || op.f === 'append') {
        const mine = own.get(op.key) ?? [];
        if (op.f === 'w') mine.length = 0;
        mine.push(op.value ?? initial);
        own.set(op.key, mine);
        continue;
      }
      const mine = own.get(op.key);
      if (mine === undefined) {
        const list = this.options.model === 'list-append' ? readList(op.value) : [];
        const value = this.options.model === 'list-append' ? null : (op.value as string | null);
        this.reads.push({ txn: index, key: op.key, value, list });
        continue;
      }
      if (txn.type === 'ok') this.checkInternal(txn, op.key, op.value, mine);
    }
  }

  private checkInternal(txn: CycleTxn, key: string, value: string | null | readonly string[], mine: readonly string[]): void {
    if (this.options.model === 'list-append') {
      const list = readList(value);
      const tail = list.slice(list.length - mine.length);
      if (tail.length === mine.length && tail.every((element, position) => element === mine[position])) return;
      this.report({ type: 'internal', description: `${nameOf(txn)} appended ${mine.join(', ')} to ${key} and then read it as [${list.join(' ')}]`, txns: [txn.id] });
      return;
    }
    const expected = mine[mine.length - 1];
    if ((value ?? initial) === expected) return;
    const shown = expected === initial ? 'nothing' : expected;
    this.report({ type: 'internal', description: `${nameOf(txn)} wrote ${key} = ${shown} and then read ${JSON.stringify(value)}`, txns: [txn.id] });
  }

  /** Aborted, intermediate and garbage reads; marks unknown writers that were read as committed. */
  private checkRead(read: ExternalRead): void {
    const reader = this.history[read.txn];
    const values = read.value === null && this.options.model === 'rw-register' ? [] : this.options.model === 'list-append' ? read.list : [read.value!];
    const writers = new Set<number>();
    for (const value of values) {
      const write = this.writes.get(read.key)?.get(value);
      if (write === undefined) {
        if (reader.type === 'ok') this.report({ type: 'garbage-read', description: `${nameOf(reader)} read ${read.key} = ${value}, which no transaction wrote`, txns: [reader.id] });
        continue;
      }
      writers.add(write.txn);
      const writer = this.history[write.txn];
      if (reader.type !== 'ok') continue;
      if (writer.type === 'fail') {
        this.report({ type: 'G1a', description: `aborted read: ${nameOf(reader)} read ${read.key} = ${value}, written by ${nameOf(writer)}, which aborted`, txns: [writer.id, reader.id] });
      } else if (writer.type === 'info' && write.txn !== read.txn) {
        this.observed.add(write.txn);
      }
    }
    if (reader.type !== 'ok') return;
    for (const writerIndex of writers) this.checkIntermediate(read, writerIndex);
  }

  private checkIntermediate(read: ExternalRead, writerIndex: number): void {
    const writer = this.history[writerIndex];
    const mine = writer.ops.filter((op) => op.key === read.key && (op.f === 'w' || op.f === 'append')).map((op) => op.value as string);
    const finalValue = mine[mine.length - 1];
    const reader = this.history[read.txn];
    if (this.options.model === 'list-append' ? read.list.includes(finalValue) : read.value === finalValue) return;
    const seen = this.options.model === 'list-append' ? `[${read.list.join(' ')}]` : read.value;
    this.report({
      type: 'G1b',
      description: `intermediate read: ${nameOf(reader)} read ${read.key} = ${seen}, a state ${nameOf(writer)} left behind by later writing ${finalValue} to ${read.key} in the same transaction`,
      txns: [writer.id, reader.id],
    });
  }

  // ---- version orders and dependency edges --------------------------------------------------

  private writerOf(key: string, value: string): number | undefined {
    const write = this.writes.get(key)?.get(value);
    return write === undefined || !this.participates(write.txn) ? undefined : write.txn;
  }

  private listAppendEdges(): void {
    const longest = new Map<string, ExternalRead>();
    for (const read of this.reads) {
      if (this.history[read.txn].type !== 'ok') continue;
      const current = longest.get(read.key);
      if (current === undefined || read.list.length > current.list.length) longest.set(read.key, read);
    }
    for (const read of this.reads) {
      const order = longest.get(read.key);
      if (order === undefined || this.history[read.txn].type !== 'ok') continue;
      if (read.list.every((element, position) => order.list[position] === element)) continue;
      this.report({
        type: 'incompatible-order',
        description: `${this.name(read.txn)} read ${read.key} as [${read.list.join(' ')}] but ${this.name(order.txn)} read it as [${order.list.join(' ')}]; neither is a prefix of the other`,
        txns: [this.history[read.txn].id, this.history[order.txn].id],
      });
    }
    const orders = new Map<string, readonly string[]>();
    for (const key of this.writes.keys()) orders.set(key, this.versionOrder(key, longest.get(key)?.list ?? []));
    for (const [key, list] of orders) {
      for (let position = 0; position + 1 < list.length; position++) {
        const from = this.writerOf(key, list[position]);
        const to = this.writerOf(key, list[position + 1]);
        if (from === undefined || to === undefined) continue;
        this.graph.add(from, to, 'ww', () => `${this.name(from)} appended ${list[position]} to ${key}, and ${this.name(to)} appended ${list[position + 1]} after it`);
      }
    }
    for (const read of this.reads) {
      if (!this.participates(read.txn)) continue;
      const order = orders.get(read.key) ?? read.list;
      const last = read.list[read.list.length - 1];
      const shown = `[${read.list.join(' ')}]`;
      if (last !== undefined) {
        const writer = this.writerOf(read.key, last);
        if (writer !== undefined) this.graph.add(writer, read.txn, 'wr', () => `${this.name(writer)} appended ${last} to ${read.key}, and ${this.name(read.txn)} read it as ${shown}`);
      }
      const next = order[read.list.length];
      if (next === undefined || read.list.some((element, position) => order[position] !== element)) continue;
      const overwriter = this.writerOf(read.key, next);
      if (overwriter !== undefined) this.graph.add(read.txn, overwriter, 'rw', () => `${this.name(read.txn)} read ${read.key} as ${shown}, and ${this.name(overwriter)} appended ${next} after that`);
    }
  }

  /**
   * The version order of a list: the longest list read, then the committed appends no
   * read shows, when they all come from one transaction (in its order) and no append of
   * an unknown transaction could come between: every committed append is in the final list.
   */
  private versionOrder(key: string, observed: readonly string[]): readonly string[] {
    const seen = new Set(observed);
    const missing: string[] = [];
    let writer: number | undefined;
    for (const [value, write] of this.writes.get(key) ?? []) {
      if (seen.has(value)) continue;
      if (!this.participates(write.txn)) {
        if (this.history[write.txn].type === 'fail') continue;
        return observed;
      }
      if (writer !== undefined && writer !== write.txn) return observed;
      writer = write.txn;
      missing.push(value);
    }
    return [...observed, ...missing];
  }

  /** Register version order: a transaction that read version v of a key and then wrote w installed w right after v. */
  private registerEdges(): void {
    const successors = new Map<string, Map<string, Set<string>>>();
    for (const read of this.reads) {
      if (!this.participates(read.txn)) continue;
      const txn = this.history[read.txn];
      const writes = txn.ops.filter((op) => op.f === 'w' && op.key === read.key && op.value !== null);
      if (writes.length === 0) continue;
      const installed = writes[writes.length - 1].value as string;
      let byValue = successors.get(read.key);
      if (byValue === undefined) {
        byValue = new Map();
        successors.set(read.key, byValue);
      }
      const from = read.value ?? initial;
      byValue.set(from, (byValue.get(from) ?? new Set()).add(installed));
    }
    for (const [key, byValue] of successors) {
      for (const [value, nexts] of byValue) {
        const from = value === initial ? undefined : this.writerOf(key, value);
        for (const next of nexts) {
          const to = this.writerOf(key, next);
          if (from === undefined || to === undefined) continue;
          this.graph.add(from, to, 'ww', () => `${this.name(from)} wrote ${key} = ${value}, and ${this.name(to)} overwrote it with ${next}`);
        }
      }
    }
    for (const read of this.reads) {
      if (!this.participates(read.txn)) continue;
      const shown = read.value ?? 'nothing';
      if (read.value !== null) {
        const writer = this.writerOf(read.key, read.value);
        if (writer !== undefined) this.graph.add(writer, read.txn, 'wr', () => `${this.name(writer)} wrote ${read.key} = ${read.value}, and ${this.name(read.txn)} read it`);
      }
      for (const next of successors.get(read.key)?.get(read.value ?? initial) ?? []) {
        const overwriter = this.writerOf(read.key, next);
        if (overwriter !== undefined) this.graph.add(read.txn, overwriter, 'rw', () => `${this.name(read.txn)} read ${read.key} = ${shown}, and ${this.name(overwriter)} overwrote that with ${next}`);
      }
    }
  }

  // ---- cycles ------------------------------------------------------------------------------

  private findCycles(): void {
    const classes: { type: AnomalyType; kinds: EdgeKind[]; required: EdgeKind[]; label: string }[] = [
      { type: 'G0', kinds: ['ww'], required: ['ww'], label: 'write cycle' },
      { type: 'G1c', kinds: ['ww', 'wr'], required: ['wr'], label: 'circular information flow' },
      { type: 'G2', kinds: ['ww', 'wr', 'rw'], required: ['rw'], label: 'anti-dependency cycle' },
    ];
    for (const { type, kinds, required, label } of classes) {
      const kindSet = new Set(kinds);
      for (const component of this.graph.components(kindSet)) {
        const cycle = this.graph.cycleIn(component, kindSet, new Set(required));
        if (cycle === undefined) continue;
        const antiDependencies = cycle.filter((edge) => edge.kind === 'rw').length;
        const subtype = type === 'G2' ? (antiDependencies === 1 ? 'G-single' : 'G2-item') : undefined;
        this.report({ type, ...(subtype ? { subtype } : {}), description: this.describeCycle(type, subtype, label, cycle), txns: cycle.map((edge) => this.history[edge.from].id), cycle: cycle.map((edge) => this.step(edge)) });
      }
    }
  }

  private step(edge: Edge): CycleStep {
    return { from: this.history[edge.from].id, to: this.history[edge.to].id, kind: edge.kind, why: edge.why };
  }

  private describeCycle(type: AnomalyType, subtype: string | undefined, label: string, cycle: readonly Edge[]): string {
    const names = [...cycle.map((edge) => this.name(edge.from)), this.name(cycle[0].from)].join(' → ');
    const steps = cycle.map((edge) => `${edge.why} (${edge.kind})`).join('; ');
    return `${type}${subtype ? ` (${subtype})` : ''}, ${label}: ${names}. ${steps}. Each must come before the next, so no serial order exists.`;
  }
}

/** All anomalies of a result as text, one paragraph each. */
export function explainAnomalies(result: CycleCheckResult): string {
  if (result.valid) return `no anomaly in ${result.stats.ok} committed transactions`;
  return result.anomalies.map((anomaly) => `- ${anomaly.description}`).join('\n');
}
