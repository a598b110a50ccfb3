// Where each peer goes in the classroom's picture of the mesh: a radial tree with the coordinator in the middle,
// each ring one hop further out, and each subtree given an arc in proportion to its size. Deterministic (children
// in id order), so a peer keeps its place from one poll to the next unless the tree changes.
import type { ClusterMember } from '../stats/cluster-stats.js';

export interface GraphNode {
  id: string;
  name: string;
  role: string;
  hashrate: number;
  x: number;
  y: number;
  /** Radius, growing with the square root of the hashrate (area in proportion to rate). */
  r: number;
  coordinator: boolean;
  standbyRank: number | null;
  /** Hops from the coordinator; null for peers not (yet) in its tree. */
  depth: number | null;
}

export interface GraphEdge {
  from: string;
  to: string;
  x1: number;
  y1: number;
  x2: number;
  y2: number;
}

export interface MeshGraph {
  /** The drawing is size × size, centred on the coordinator. */
  size: number;
  nodes: GraphNode[];
  edges: GraphEdge[];
}

export const GRAPH_SIZE = 1000;
const MIN_RADIUS = 14;
const MAX_RADIUS = 40;
/** Room at the edge for the outer ring's nodes and labels. */
const MARGIN = 120;

interface Placed {
  member: ClusterMember;
  depth: number | null;
  angle: number;
}

/** Lays out `members`; peers whose parent is unknown (still joining, or a broken link) go on an outer ring. */
export function layoutMesh(members: ClusterMember[], coordinator: string | null, size = GRAPH_SIZE): MeshGraph {
  const byId = new Map(members.map((member) => [member.id, member]));
  const children = new Map<string, ClusterMember[]>();
  for (const member of members) {
    if (member.parent === null || !byId.has(member.parent) || member.id === coordinator) continue;
    const siblings = children.get(member.parent) ?? [];
    siblings.push(member);
    children.set(member.parent, siblings);
  }
  for (const siblings of children.values()) siblings.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));

  const leaves = new Map<string, number>();
  const countLeaves = (id: string, seen: Set<string>): number => {
    if (seen.has(id)) return 0; // a cycle in bad data: draw each peer once
    seen.add(id);
    const below = (children.get(id) ?? []).reduce((sum, child) => sum + countLeaves(child.id, seen), 0);
    const total = Math.max(1, below);
    leaves.set(id, total);
    return total;
  };

  const placed = new Map<string, Placed>();
  const placeSubtree = (member: ClusterMember, depth: number, from: number, to: number) => {
    if (placed.has(member.id)) return;
    placed.set(member.id, { member, depth, angle: (from + to) / 2 });
    const total = leaves.get(member.id) ?? 1;
    let start = from;
    for (const child of children.get(member.id) ?? []) {
      const span = ((to - from) * (leaves.get(child.id) ?? 1)) / total;
      placeSubtree(child, depth + 1, start, start + span);
      start += span;
    }
  };
  const root = coordinator === null ? undefined : byId.get(coordinator);
  if (root !== undefined) {
    countLeaves(root.id, new Set());
    // Start at the top and go clockwise, like a clock face.
    placeSubtree(root, 0, -Math.PI / 2, (3 * Math.PI) / 2);
  }
  const outside = members
    .filter((member) => !placed.has(member.id))
    .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));

  const treeDepth = Math.max(0, ...[...placed.values()].map((entry) => entry.depth ?? 0));
  const rings = treeDepth + (outside.length > 0 ? 1 : 0);
  const centre = size / 2;
  const ringStep = rings === 0 ? 0 : (centre - MARGIN) / rings;
  outside.forEach((member, index) => {
    placed.set(member.id, {
      member,
      depth: null,
      angle: -Math.PI / 2 + (2 * Math.PI * (index + 0.5)) / outside.length,
    });
  });

  const fastest = Math.max(0, ...members.map((member) => member.hashrate));
  const nodes: GraphNode[] = [...placed.values()].map(({ member, depth, angle }) => {
    const ring = depth ?? rings;
    const share = fastest > 0 ? Math.sqrt(member.hashrate / fastest) : 0;
    return {
      id: member.id,
      name: member.name,
      role: member.role,
      hashrate: member.hashrate,
      x: centre + ring * ringStep * Math.cos(angle),
      y: centre + ring * ringStep * Math.sin(angle),
      r: MIN_RADIUS + (MAX_RADIUS - MIN_RADIUS) * share,
      coordinator: member.id === coordinator,
      standbyRank: member.standbyRank,
      depth,
    };
  });
  const at = new Map(nodes.map((node) => [node.id, node]));
  const edges: GraphEdge[] = [];
  for (const node of nodes) {
    const parentId = node.depth === null || node.depth === 0 ? null : byId.get(node.id)?.parent;
    const parent = parentId === null || parentId === undefined ? undefined : at.get(parentId);
    if (parent !== undefined) {
      edges.push({ from: parent.id, to: node.id, x1: parent.x, y1: parent.y, x2: node.x, y2: node.y });
    }
  }
  return { size, nodes, edges };
}
