import { type AuditedFault, auditFaults, describeFaultAudit, type FaultAuditInput } from '../src/check/fault-audit';
import type { PhantomWorld } from './world';

/**
 * Every chaos step ends with this: it attaches the fault log with the audit's verdict and
 * registers the audit as a final check, so a chaos run whose faults never happened (or
 * never touched the workload) fails instead of passing on a quiet network.
 */
export function auditNemesis(world: PhantomWorld, input: FaultAuditInput): void {
  const audit = auditFaults(input);
  world.attachText('faults injected (nemesis audit)', describeFaultAudit(input, audit));
  world.addFinalCheck('nemesis audit', () => {
    if (!audit.ok) throw new Error(`the fault schedule did not test the workload:\n${audit.problems.map((problem) => `- ${problem}`).join('\n')}`);
  });
}

export type { AuditedFault };
