/* Pictures of the sharded store: who led each group in which term, and the shard map. */
import type { ShardedDatabase } from '../../src/api/database';
import { escapeXml, type Lane, PALETTE, renderLanesSvg } from './lanes-svg';

/** One lane per group: each leader from its election to the next one, labelled with its node and term. */
export function leaderTimelineSvg(database: ShardedDatabase, nowMs: number, nodes: readonly string[]): string {
  const colourOf = (node: string): string => PALETTE[Math.max(0, nodes.indexOf(node)) % PALETTE.length];
  const lanes: Lane[] = database.shardIds().map((groupId) => {
    const elections = database.elections(groupId);
    return {
      name: groupId,
      bars: elections.map((election, index) => ({
        startMs: election.atMs,
        endMs: elections[index + 1]?.atMs ?? nowMs,
        colour: colourOf(election.node),
        label: `${election.node} · t${election.term}`,
        tip: `${groupId}: ${election.node} elected leader in term ${election.term}, until the next election`,
      })),
      markers: elections.map((election) => ({ atMs: election.atMs, colour: '#222222', shape: 'tick' as const, tip: `${groupId}: election won by ${election.node}, term ${election.term}` })),
    };
  });
  const leaders = [...new Set(database.shardIds().flatMap((groupId) => database.elections(groupId).map((election) => election.node)))].sort();
  return renderLanesSvg({
    title: 'Leaders and terms per group',
    note: 'Each bar: a leader from the election it won (black tick) to the next election in its group.',
    lanes,
    endMs: Math.max(nowMs, 1),
    legend: leaders.map((node) => ({ label: node, colour: colourOf(node) })),
  });
}

/** A grid of shards by nodes: which node holds a replica, which leads now, which is the preferred leader. */
export function shardMapSvg(database: ShardedDatabase, nodes: readonly string[]): string {
  const shards = database.shardMap.shards;
  const cellW = 78;
  const cellH = 24;
  const left = 90;
  const top = 56;
  const width = left + nodes.length * cellW + 20;
  const height = top + shards.length * cellH + 50;
  const out = [
    `<svg xmlns='http://www.w3.org/2000/svg' width='${width}' height='${height}' viewBox='0 0 ${width} ${height}' font-family='Helvetica, Arial, sans-serif' font-size='12'>`,
    `<title>Shard map, epoch ${database.shardMap.epoch}</title>`,
    `<rect x='0' y='0' width='${width}' height='${height}' fill='#ffffff'/>`,
    `<text x='10' y='20' font-size='15' font-weight='bold' fill='#222222'>Shard map (epoch ${database.shardMap.epoch}): replicas and leaders</text>`,
  ];
  nodes.forEach((node, column) => out.push(`<text x='${left + column * cellW + cellW / 2}' y='${top - 8}' text-anchor='middle' fill='#222222'>${escapeXml(node)}</text>`));
  shards.forEach((shard, row) => {
    const y = top + row * cellH;
    const leader = database.leaderOf(shard.id);
    out.push(`<text x='${left - 8}' y='${y + 16}' text-anchor='end' fill='#222222'>${escapeXml(shard.id)}</text>`);
    nodes.forEach((node, column) => {
      const x = left + column * cellW;
      const replica = shard.replicas.includes(node);
      const leads = leader === node;
      const fill = leads ? '#1f77b4' : replica ? '#aec7e8' : '#f5f5f5';
      const stroke = shard.preferredLeader === node ? `stroke='#ff7f0e' stroke-width='3'` : `stroke='#ffffff'`;
      const what = leads ? 'leader' : replica ? 'replica' : '';
      const tip = `${shard.id} on ${node}: ${what || 'no replica'}${shard.preferredLeader === node ? ' (preferred leader)' : ''}`;
      out.push(`<rect x='${x + 2}' y='${y + 2}' width='${cellW - 4}' height='${cellH - 4}' fill='${fill}' ${stroke}><title>${escapeXml(tip)}</title></rect>`);
      if (what) out.push(`<text x='${x + cellW / 2}' y='${y + 16}' text-anchor='middle' fill='${leads ? '#ffffff' : '#222222'}'>${what}</text>`);
    });
  });
  const legendY = top + shards.length * cellH + 20;
  out.push(`<rect x='${left}' y='${legendY}' width='12' height='12' fill='#1f77b4'/><text x='${left + 16}' y='${legendY + 10}'>leads now</text>`);
  out.push(`<rect x='${left + 100}' y='${legendY}' width='12' height='12' fill='#aec7e8'/><text x='${left + 116}' y='${legendY + 10}'>replica</text>`);
  out.push(`<rect x='${left + 190}' y='${legendY}' width='12' height='12' fill='#ffffff' stroke='#ff7f0e' stroke-width='3'/><text x='${left + 206}' y='${legendY + 10}'>preferred leader</text>`);
  out.push('</svg>');
  return out.join('\n') + '\n';
}
