/**
 * The cluster status model an operator reads: size, each node's state as the live members
 * see it, placement, incarnation, how recently anyone heard from it, and whether the
 * members agree; plus a plain-text aligned table rendering.
 */
import type { NodeId } from '../runtime/ports';
import { clusterAgreement, consensusStates, isLiveObserver } from './agreement';
import { MEMBER_STATES, type MemberState, type MembershipView } from './types';

export interface NodeStatus {
  readonly id: NodeId;
  /** The state most live observers report (ties: the more severe). */
  readonly state: MemberState;
  readonly region: string;
  readonly zone: string;
  readonly capacity: number;
  /** Highest incarnation any live observer holds. */
  readonly incarnation: number;
  /** Latest `lastHeardMs` among other observers, on that observer's local clock. */
  readonly lastHeardMs: number | undefined;
  /** Shortest silence any other observer saw (its clock at observation minus its last-heard time). */
  readonly lastHeardAgoMs: number | undefined;
  /** Live observers whose view includes this node. */
  readonly observerCount: number;
}

export interface ClusterStatus {
  /** Virtual time the status was taken, when known. */
  readonly atMs: number | undefined;
  /** Members known to the live observers, whatever their state. */
  readonly size: number;
  readonly counts: Readonly<Record<MemberState, number>>;
  readonly agreement: boolean;
  readonly observerCount: number;
  readonly nodes: readonly NodeStatus[];
}

interface Accumulator {
  region: string;
  zone: string;
  capacity: number;
  incarnation: number;
  lastHeardMs: number | undefined;
  lastHeardAgoMs: number | undefined;
  observerCount: number;
}

export function buildClusterStatus(views: readonly MembershipView[], atMs?: number): ClusterStatus {
  const liveViews = views.filter(isLiveObserver);
  const byId = new Map<NodeId, Accumulator>();
  for (const view of liveViews) {
    for (const member of view.members) {
      let entry = byId.get(member.id);
      if (!entry) {
        entry = { region: member.region, zone: member.zone, capacity: member.capacity, incarnation: -1, lastHeardMs: undefined, lastHeardAgoMs: undefined, observerCount: 0 };
        byId.set(member.id, entry);
      }
      entry.observerCount++;
      if (member.incarnation > entry.incarnation) {
        Object.assign(entry, { incarnation: member.incarnation, region: member.region, zone: member.zone, capacity: member.capacity });
      }
      if (member.id === view.observerId) continue; // a node hearing itself says nothing
      const agoMs = Math.max(0, view.observedAtMs - member.lastHeardMs);
      if (entry.lastHeardAgoMs === undefined || agoMs < entry.lastHeardAgoMs) entry.lastHeardAgoMs = agoMs;
      if (entry.lastHeardMs === undefined || member.lastHeardMs > entry.lastHeardMs) entry.lastHeardMs = member.lastHeardMs;
    }
  }
  const states = consensusStates(liveViews);
  const counts: Record<MemberState, number> = { alive: 0, suspect: 0, dead: 0, left: 0 };
  const nodes: NodeStatus[] = [];
  for (const id of [...byId.keys()].sort()) {
    const state = states.get(id)!;
    counts[state]++;
    nodes.push({ id, state, ...byId.get(id)! });
  }
  return { atMs, size: nodes.length, counts, agreement: clusterAgreement(liveViews), observerCount: liveViews.length, nodes };
}

const COLUMNS: readonly { readonly title: string; readonly alignRight: boolean; readonly cell: (node: NodeStatus) => string }[] = [
  { title: 'NODE', alignRight: false, cell: (node) => node.id },
  { title: 'STATE', alignRight: false, cell: (node) => node.state },
  { title: 'REGION', alignRight: false, cell: (node) => node.region },
  { title: 'ZONE', alignRight: false, cell: (node) => node.zone },
  { title: 'CAPACITY', alignRight: true, cell: (node) => String(node.capacity) },
  { title: 'INCARNATION', alignRight: true, cell: (node) => String(node.incarnation) },
  { title: 'LAST HEARD', alignRight: true, cell: (node) => formatAgo(node.lastHeardAgoMs) },
  { title: 'SEEN BY', alignRight: true, cell: (node) => String(node.observerCount) },
];

/** A plain-text table with aligned columns, preceded by a one-line summary. */
export function renderStatusTable(status: ClusterStatus): string {
  const counts = MEMBER_STATES.map((state) => `${state} ${status.counts[state]}`).join(', ');
  const at = status.atMs === undefined ? '' : ` at ${formatSeconds(status.atMs)}`;
  const summary =
    `Cluster${at}: ${status.size} members (${counts}); ` +
    `agreement: ${status.agreement ? 'yes' : 'no'} among ${status.observerCount} live observers`;
  const rows = status.nodes.map((node) => COLUMNS.map((column) => column.cell(node)));
  const widths = COLUMNS.map((column, index) => Math.max(column.title.length, ...rows.map((row) => row[index].length)));
  const line = (cells: readonly string[]): string =>
    cells
      .map((cell, index) => (COLUMNS[index].alignRight ? cell.padStart(widths[index]) : cell.padEnd(widths[index])))
      .join('  ')
      .trimEnd();
  return [summary, line(COLUMNS.map((column) => column.title)), ...rows.map(line)].join('\n') + '\n';
}

function formatSeconds(milliseconds: number): string {
  return `${(milliseconds / 1000).toFixed(3)} s`;
}

function formatAgo(milliseconds: number | undefined): string {
  return milliseconds === undefined ? '-' : `${(milliseconds / 1000).toFixed(1)} s ago`;
}
