import type { NodeEnv, NodeId } from '../runtime/ports';
import type { RegionId } from './causal-context';
import type { ClockMonitor, VerdictChange } from './clock-monitor';
import type { PingMessage, PongMessage } from './messages';

/**
 * The two ends of a clock measurement between regions (see clock-monitor.ts), shared by
 * every deployment's region servers: a ping is answered with this node's local time, and a
 * pong goes to the monitor.
 */
export function answerPing(env: Pick<NodeEnv, 'clock' | 'network'>, region: RegionId, from: NodeId, ping: PingMessage): void {
  const pong: PongMessage = { type: 'geo.pong', region, sentMs: ping.sentMs, clockMs: env.clock.nowMs() };
  env.network.send(from, pong);
}

/** Takes a pong into the monitor, traces and reports a change of verdict; true when the peer was just accepted again. */
export function takePong(
  env: Pick<NodeEnv, 'clock' | 'trace'>,
  clocks: ClockMonitor,
  peer: RegionId,
  pong: PongMessage,
  report: ((change: VerdictChange) => void) | undefined,
): boolean {
  const change = clocks.observe(peer, pong.sentMs, pong.clockMs, env.clock.nowMs());
  if (!change) return false;
  const { offsetMs, uncertaintyMs } = change.measurement;
  env.trace(`geo.clock-${change.verdict}`, { peer, offsetMs: Math.round(offsetMs), uncertaintyMs: Math.round(uncertaintyMs), maxOffsetMs: change.maxOffsetMs });
  report?.(change);
  return change.verdict === 'accepted';
}
