// Where the coordinator places a joining peer in its tree, and the route down to a member: pure functions of the
// coordinator's view of the tree.

import type { ReplicatedState } from './replica.js';
import type { PeerInfo } from './wire.js';

/** A member as placement sees it. */
interface Placed {
  info: PeerInfo;
  /** The coordinator's id for its own children. */
  parent: string;
  /** Attached and heard from over the tree, so routes to it work. */
  confirmed: boolean;
}

/** What placement reads of the coordinator. */
export interface TreeView {
  selfId: string;
  members: ReadonlyMap<string, Placed>;
  /** The replicated records: who is a gateway, since when, who is banned. */
  state: ReplicatedState;
  /** Peers linked right below the coordinator, which may not have reported yet. */
  selfLinks(): number;
  settings: { coordinatorLinks: number; joinSlots: number; standbys: number };
}

/** Children a member may take. */
function capacity(tree: TreeView, id: string): number {
  const info = tree.members.get(id)?.info;
  if (info === undefined) return 0;
  const links = Math.min(tree.settings.coordinatorLinks, info.maxLinks);
  const asCoordinator = links - tree.settings.joinSlots;
  if (id === tree.selfId) return asCoordinator;
  // A gateway keeps its children within what it can hold as coordinator, so its join slots are free for the
  // orphans of the one it replaces.
  if (tree.state.members.get(id)?.gateway === true) return Math.max(0, asCoordinator - 1);
  // A parent link, and one free for the peer's own joining or for a joiner asking the way.
  return Math.max(0, links - 2);
}

/** The route from the coordinator to `id`: each hop below the coordinator, ending with `id`; undefined when a link
 * on the way is unknown. */
export function routeTo(tree: TreeView, id: string): string[] | undefined {
  const route: string[] = [];
  let current = id;
  while (current !== tree.selfId) {
    route.push(current);
    const member = tree.members.get(current);
    if (member === undefined || route.length > 32) return undefined;
    current = member.parent;
  }
  return route.reverse();
}

/**
 * Where a joining peer attaches: gateways go right under the coordinator, so replication to them is one hop;
 * everyone else at the shallowest confirmed peer with a free slot. An orphan brings its subtree along, so nothing
 * below it qualifies.
 */
export function placeFor(tree: TreeView, id: string, info: PeerInfo, orphan: boolean): string {
  const children = new Map<string, number>();
  for (const member of tree.members.values()) children.set(member.parent, (children.get(member.parent) ?? 0) + 1);
  const self = tree.selfId;
  // Right after a takeover the children are linked before they report: count the links.
  const selfChildren = Math.max(children.get(self) ?? 0, tree.selfLinks());
  const selfFree = capacity(tree, self) - selfChildren;
  if (selfFree > 0 && (info.role === 'gateway' || selfFree > tree.settings.standbys)) return self;
  let best: { id: string; depth: number; free: number; since: number } | undefined;
  for (const [candidate, member] of tree.members) {
    if (candidate === self || candidate === id || !member.confirmed || tree.state.banned.has(candidate)) continue;
    const free = capacity(tree, candidate) - (children.get(candidate) ?? 0);
    if (free <= 0) continue;
    const route = routeTo(tree, candidate);
    if (route === undefined || (orphan && route.includes(id))) continue;
    const since = tree.state.members.get(candidate)?.since ?? Number.POSITIVE_INFINITY;
    const better =
      best === undefined ||
      route.length < best.depth ||
      (route.length === best.depth && (free > best.free || (free === best.free && since < best.since)));
    if (better) best = { id: candidate, depth: route.length, free, since };
  }
  return best?.id ?? self;
}
