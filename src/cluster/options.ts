/**
 * Tuning of discovery and of the SWIM failure detector, in one object with documented
 * defaults. The defaults assume a LAN-like simulated network: a round trip well under
 * probeTimeoutMs (200 ms) and an indirect probe (four hops) well under the rest of the
 * period (300 ms), i.e. one-way latency up to about 50 ms. For slower links scale
 * probeIntervalMs and probeTimeoutMs together.
 *
 * Bounds checked by test/cluster/ with these defaults (1–3 ms latency):
 * - 10, 20 and 100 nodes at 10% message loss: no live node is declared dead by anyone in
 *   60 s (5 seeds each for 10 and 20 nodes; 10 nodes see about 4 refuted suspicions a minute).
 * - 100 nodes joining through one seed: one agreed view ≤ 10 s (measured 1.5 s when all start
 *   together, 0.5 s after the last of 100 starts spread over 5 s).
 * - a crashed node: dead in every live view ≤ 8 s (measured 2.6–4.7 s over 40 seeds at 10 nodes,
 *   4.9–6.3 s at 100 nodes).
 * - a paused node is suspected and, resumed within 2 s (10 nodes; 4 s at 100 nodes), refutes
 *   and is never declared dead; paused longer it is declared dead and comes back on resume.
 */
export interface MembershipTuning {
  /** SWIM protocol period T': one probe per period (SWIM §3.1). */
  readonly probeIntervalMs: number;
  /** Wait this long for a direct ack before asking intermediaries (must exceed a round trip). */
  readonly probeTimeoutMs: number;
  /** k in SWIM §3.1: intermediaries asked to ping the target indirectly. */
  readonly indirectProbeCount: number;
  /**
   * Lifeguard / memberlist suspicion timeout: the minimum is
   * suspicionMultiplier · max(1, log10(n)) · probeIntervalMs, n = live members.
   */
  readonly suspicionMultiplier: number;
  /** Lifeguard: a lone suspicion waits up to this multiple of the minimum before it is trusted. */
  readonly suspicionMaxMultiplier: number;
  /** Lifeguard: independent confirmations after which the minimum timeout applies. */
  readonly suspicionConfirmationsExpected: number;
  /** λ in SWIM §4.1: each update is retransmitted λ · ceil(log10(n + 1)) times. */
  readonly retransmitMultiplier: number;
  /** Bound on updates piggybacked on one message. */
  readonly piggybackUpdatesMax: number;
  /** Extra gossip rounds between probes; 0 disables. */
  readonly gossipIntervalMs: number;
  /** Members gossiped to per gossip round. */
  readonly gossipFanout: number;
  /** Full-table anti-entropy with one random member; 0 disables. */
  readonly pushPullIntervalMs: number;
  /** Ping one random dead member this often, so healed partitions merge again; 0 disables. */
  readonly reconnectIntervalMs: number;
  /** A join request unanswered this long moves to the next seed. */
  readonly joinTimeoutMs: number;
  /** Total join requests before giving up (spread over the seeds round-robin). */
  readonly joinAttemptsMax: number;
  /** A leaving node keeps gossiping its `left` update this long before going silent. */
  readonly leaveGraceMs: number;
  /** A gap this long between our own ticks means we were paused: do not blame others for it. */
  readonly stallThresholdMs: number;
}

export const DEFAULT_MEMBERSHIP_TUNING: MembershipTuning = Object.freeze({
  probeIntervalMs: 500,
  probeTimeoutMs: 200,
  indirectProbeCount: 3,
  suspicionMultiplier: 4,
  suspicionMaxMultiplier: 3,
  suspicionConfirmationsExpected: 3,
  retransmitMultiplier: 4,
  piggybackUpdatesMax: 16,
  gossipIntervalMs: 200,
  gossipFanout: 3,
  pushPullIntervalMs: 5_000,
  reconnectIntervalMs: 2_000,
  joinTimeoutMs: 500,
  joinAttemptsMax: 12,
  leaveGraceMs: 1_000,
  stallThresholdMs: 1_500,
});

export function resolveTuning(overrides: Partial<MembershipTuning> = {}): MembershipTuning {
  const tuning: MembershipTuning = { ...DEFAULT_MEMBERSHIP_TUNING, ...overrides };
  for (const [name, value] of Object.entries(tuning)) {
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
      throw new RangeError(`membership tuning ${name} must be a finite number >= 0, got ${String(value)}`);
    }
  }
  if (tuning.probeIntervalMs <= 0) throw new RangeError('probeIntervalMs must be > 0');
  if (tuning.probeTimeoutMs >= tuning.probeIntervalMs) {
    throw new RangeError('probeTimeoutMs must be shorter than probeIntervalMs (indirect probes need the rest)');
  }
  if (tuning.piggybackUpdatesMax < 1) throw new RangeError('piggybackUpdatesMax must be >= 1');
  if (tuning.joinAttemptsMax < 1) throw new RangeError('joinAttemptsMax must be >= 1');
  if (tuning.suspicionMaxMultiplier < 1) throw new RangeError('suspicionMaxMultiplier must be >= 1');
  return Object.freeze(tuning);
}

/** SWIM §4.1: λ · log(n) retransmissions make an update reach everyone with high probability. */
export function retransmitLimit(tuning: MembershipTuning, liveMemberCount: number): number {
  return tuning.retransmitMultiplier * Math.max(1, Math.ceil(Math.log10(liveMemberCount + 1)));
}

/** memberlist's suspicion scaling: grows with log10 of the cluster size, never below one period multiple. */
export function suspicionMinimumMs(tuning: MembershipTuning, liveMemberCount: number): number {
  const scale = Math.max(1, Math.log10(Math.max(1, liveMemberCount)));
  return tuning.suspicionMultiplier * scale * tuning.probeIntervalMs;
}

/**
 * Lifeguard (Dadgar et al. 2018, §IV-B) dynamic suspicion timeout: starts at the maximum and
 * falls logarithmically toward the minimum as independent suspecters confirm.
 */
export function suspicionTimeoutMs(tuning: MembershipTuning, liveMemberCount: number, confirmations: number): number {
  const minimumMs = suspicionMinimumMs(tuning, liveMemberCount);
  const maximumMs = minimumMs * tuning.suspicionMaxMultiplier;
  const expected = tuning.suspicionConfirmationsExpected;
  if (expected <= 0 || confirmations >= expected) return minimumMs;
  const fraction = Math.log(confirmations + 1) / Math.log(expected + 1);
  return Math.max(minimumMs, Math.floor(maximumMs - (maximumMs - minimumMs) * fraction));
}
