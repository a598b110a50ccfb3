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
  now(): number;
  settings: { coordinatorLinks: number; joinSlots: number; standbys: number };
}

/**
 * The `maxLinks` a peer announces so that it holds at most `memberLinks` links in the tree (its parent and its
 * children, or its children as coordinator), by the capacity rule below; links to joiners asking the way come on top.
 */
export function maxLinksFor(memberLinks: number, gateway: boolean, settings: { joinSlots: number }): number {
  return gateway ? memberLinks + settings.joinSlots : memberLinks + 1;
}

/** Children a member may take: a rig takes none. */
function capacity(tree: TreeView, id: string): number {
  const info = tree.members.get(id)?.info;
  if (info === undefined || info.rig !== undefined) return 0;
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

/** Whether `id` can host rigs: the coordinator, or a gateway member in the tree. */
function hostsRigs(tree: TreeView, id: string): boolean {
  if (id === tree.selfId) return true;
  const member = tree.members.get(id);
  return (
    member?.confirmed === true && tree.state.members.get(id)?.gateway === true && !tree.state.isBanned(id, tree.now())
  );
}

/** A relay that this many joiners in a row could not reach takes joiners only when no other has room. */
const FAILURES_TO_AVOID = 2;

/**
 * How likely a joiner's link to `parent` is to open, best first: 0 when either end is reachable by anyone (a public
 * address, or a TURN server relaying for it), 1 when both are behind routers or the ICE candidates said nothing,
 * 2 when joiners in a row have failed to reach it.
 */
function linkTier(parent: PeerInfo, joiner: PeerInfo, failures: number): number {
  if (failures >= FAILURES_TO_AVOID) return 2;
  return reachableByAll(parent) || reachableByAll(joiner) ? 0 : 1;
}

/** Whether any peer can open a link to this one: it has a public address, or a TURN server relays for it. */
export function reachableByAll(info: PeerInfo): boolean {
  return info.reach === 'public' || info.reach === 'relay';
}

/**
 * Where a joining peer attaches: a rig under the gateway that hosts it; gateways right under the coordinator, so replication to them is one hop;
 * everyone else under the confirmed peer with a free slot its link to is likeliest to open (see linkTier), the
 * shallowest of those. Never under a peer it says it could not reach (`avoid`). An orphan brings its subtree along,
 * so nothing below it qualifies. With nowhere else, the coordinator takes it.
 */
export function placeFor(
  tree: TreeView,
  id: string,
  info: PeerInfo,
  orphan: boolean,
  avoid: ReadonlySet<string> = new Set(),
  /** By member: the joiners in a row that could not open a link to it. */
  linkFailures: ReadonlyMap<string, number> = new Map(),
): string {
  const self = tree.selfId;
  // A rig's link to its gateway stays inside the gateway's process.
  const host = info.rig?.gateway;
  if (host !== undefined && hostsRigs(tree, host)) return host;
  const children = new Map<string, number>();
  for (const member of tree.members.values()) {
    if (member.info.rig === undefined) children.set(member.parent, (children.get(member.parent) ?? 0) + 1);
  }
  // Right after a takeover the children are linked before they report: count the links.
  const selfChildren = Math.max(children.get(self) ?? 0, tree.selfLinks());
  const selfFree = capacity(tree, self) - selfChildren;
  if (selfFree > 0 && (info.role === 'gateway' || selfFree > tree.settings.standbys)) return self;
  let best: { id: string; tier: number; depth: number; free: number; since: number } | undefined;
  for (const [candidate, member] of tree.members) {
    if (candidate === self || candidate === id || !member.confirmed || tree.state.isBanned(candidate, tree.now()))
      continue;
    if (avoid.has(candidate)) continue;
    const free = capacity(tree, candidate) - (children.get(candidate) ?? 0);
    if (free <= 0) continue;
    const route = routeTo(tree, candidate);
    if (route === undefined || (orphan && route.includes(id))) continue;
    const since = tree.state.members.get(candidate)?.since ?? Number.POSITIVE_INFINITY;
    const tier = linkTier(member.info, info, linkFailures.get(candidate) ?? 0);
    const depth = route.length;
    const better =
      best === undefined ||
      tier < best.tier ||
      (tier === best.tier &&
        (depth < best.depth ||
          (depth === best.depth && (free > best.free || (free === best.free && since < best.since)))));
    if (better) best = { id: candidate, tier, depth, free, since };
  }
  return best?.id ?? self;
}
