/**
 * The nemesis audit: a chaos run proves something only if its faults happened, and
 * happened where the workload was. A fault schedule that injected nothing (a nemesis
 * never started, run for too short a time, or aimed at idle nodes) leaves every oracle
 * green on a fault-free run; this audit makes such a run fail instead.
 *
 * A fault "hits the workload" when its scope touches what carries the workload:
 * - a node fault (crash, pause, clock skew, region failure) on a node the workload uses;
 * - a partition whose sides separate two nodes the workload uses (it cuts a workload link);
 * - a network-wide fault (loss, duplication) whenever the workload uses two nodes or more;
 * and when it was active at some time during the workload's window.
 */

/** One injected fault, as the nemesis logged it. */
export interface AuditedFault {
  readonly kind: string;
  readonly startMs: number;
  /** Undefined while still active at the end of the run. */
  readonly endMs?: number;
  /** Nodes the fault acted on (crash, pause, clock skew, region failure). */
  readonly nodes?: readonly string[];
  /** Partition sides: nodes on different sides cannot talk. */
  readonly sides?: readonly (readonly string[])[];
  /** True for faults on every link (loss, duplication). */
  readonly everywhere?: boolean;
  readonly description: string;
}

export interface FaultAuditInput {
  /** The fault kinds the scenario asked for. */
  readonly requested: readonly string[];
  readonly faults: readonly AuditedFault[];
  /** Nodes that carry the workload: the clients and the servers holding the data they use. */
  readonly workloadNodes: readonly string[];
  /** When the workload ran; faults wholly outside it do not count as hits. */
  readonly workloadWindowMs?: { readonly startMs: number; readonly endMs: number };
}

export interface FaultAudit {
  readonly ok: boolean;
  /** Each problem in words; empty when the audit passed. */
  readonly problems: readonly string[];
  /** Injected faults per kind. */
  readonly injectedByKind: ReadonlyMap<string, number>;
  /** Faults that hit a workload node or link. */
  readonly hits: number;
}

export function auditFaults(input: FaultAuditInput): FaultAudit {
  if (input.requested.length === 0) throw new Error('a fault audit needs the requested fault kinds');
  const injectedByKind = new Map<string, number>(input.requested.map((kind) => [kind, 0]));
  for (const fault of input.faults) injectedByKind.set(fault.kind, (injectedByKind.get(fault.kind) ?? 0) + 1);
  const problems: string[] = [];
  const missing = input.requested.filter((kind) => injectedByKind.get(kind) === 0);
  if (missing.length > 0) problems.push(`requested fault kinds never injected: ${missing.join(', ')} (${input.faults.length} faults injected in all)`);
  const unrequested = [...new Set(input.faults.map((fault) => fault.kind))].filter((kind) => !input.requested.includes(kind));
  if (unrequested.length > 0) problems.push(`fault kinds injected but not requested: ${unrequested.join(', ')}`);
  const workload = new Set(input.workloadNodes);
  const hits = input.faults.filter((fault) => duringWorkload(fault, input.workloadWindowMs) && touchesWorkload(fault, workload)).length;
  if (hits === 0) {
    problems.push(
      `no fault hit the nodes or links carrying the workload (${[...workload].sort().join(', ') || 'none'}); ` +
        `${input.faults.length} faults injected: ${input.faults.map((fault) => fault.description).join('; ') || 'none'}`,
    );
  }
  return { ok: problems.length === 0, problems, injectedByKind, hits };
}

function duringWorkload(fault: AuditedFault, window: FaultAuditInput['workloadWindowMs']): boolean {
  if (!window) return true;
  return fault.startMs <= window.endMs && (fault.endMs ?? Number.POSITIVE_INFINITY) >= window.startMs;
}

function touchesWorkload(fault: AuditedFault, workload: ReadonlySet<string>): boolean {
  if (fault.everywhere) return workload.size >= 2;
  if (fault.nodes?.some((node) => workload.has(node))) return true;
  if (fault.sides) {
    const sidesWithWorkload = fault.sides.filter((side) => side.some((node) => workload.has(node)));
    if (sidesWithWorkload.length >= 2) return true;
  }
  return false;
}

/** The fault log and the audit's verdict, for the report. */
export function describeFaultAudit(input: FaultAuditInput, audit: FaultAudit): string {
  const log = input.faults.map((fault) => `${(fault.startMs / 1000).toFixed(2)} s – ${fault.endMs === undefined ? 'end' : `${(fault.endMs / 1000).toFixed(2)} s`}: ${fault.description}`);
  const kinds = [...audit.injectedByKind].map(([kind, count]) => `${kind} ${count}`).join(', ');
  const verdict = audit.ok ? 'audit passed' : `audit FAILED:\n${audit.problems.map((problem) => `- ${problem}`).join('\n')}`;
  return [`${input.faults.length} faults (${kinds}); ${audit.hits} hit the workload (${[...input.workloadNodes].sort().join(', ')})`, verdict, '', ...log].join('\n');
}
