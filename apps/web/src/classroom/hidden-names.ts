// The projected classroom view may hide who is who: each contributor's name becomes a neutral label made from its
// id, the same on every poll, and blocks name their finder the same way. Gateways keep theirs: the operator named them.
import type { ClusterMember, ClusterStatsAnswer } from '../stats/cluster-stats.js';

export function neutralName(id: string): string {
  return `Contributor ${id.slice(0, 4)}`;
}

/** `stats` with every contributor's name replaced by neutralName. */
export function withNamesHidden(stats: ClusterStatsAnswer): ClusterStatsAnswer {
  const gateways = new Set(stats.members.filter((member) => member.role === 'gateway').map((member) => member.id));
  const hide = (member: ClusterMember): ClusterMember =>
    gateways.has(member.id) ? member : { ...member, name: neutralName(member.id) };
  return {
    ...stats,
    members: stats.members.map(hide),
    blocks: stats.blocks.map((block) =>
      gateways.has(block.finderId) ? block : { ...block, finderName: neutralName(block.finderId) },
    ),
  };
}
