// Succession, as a peer that is not the coordinator sees it: when the coordinator it follows counts as gone, and when
// this peer, a standby, takes over: the k-th standby waits k steps, and longer while a better-placed one still answers.
// Also which of two coordinators gives way. Pure functions of what the peer knows.

import type { CoordinatorClaim } from './wire.js';

/** What a peer knows of the coordinator it follows and of the standbys. */
export interface SuccessionView {
  selfId: string;
  coordinatorId: string | null;
  /** When the coordinator was last heard from. */
  lastHeard: number;
  /** Since when the coordinator has been taken for gone, or null while it is heard from. */
  lostSince: number | null;
  /** The standbys, best successor first. */
  succession: readonly string[];
  /** When each peer last answered a join request: a standby that answers is alive and will take over. */
  answeredAt: ReadonlyMap<string, number>;
  /** A coordinator of a later term this peer joins rather than competes with. */
  newerCoordinator: string | null;
  /** It holds the replicated state and the cluster's credential. */
  canTakeOver: boolean;
  settings: { coordinatorTimeoutMs: number; successorStepMs: number };
}

/** When the coordinator counts as gone if it stays silent, or when this standby's turn to take over comes. */
export function successionDeadline(view: SuccessionView): number | null {
  if (view.coordinatorId === null) return null;
  if (view.lostSince === null) return view.lastHeard + view.settings.coordinatorTimeoutMs + 1;
  const rank = view.succession.indexOf(view.selfId);
  if (view.newerCoordinator !== null || rank < 0 || !view.canTakeOver) return null;
  // The turn comes once every better-placed standby has been silent for a step.
  let turn = view.lostSince + rank * view.settings.successorStepMs;
  for (const better of view.succession.slice(0, rank)) {
    const answered = view.answeredAt.get(better);
    if (answered !== undefined) turn = Math.max(turn, answered + view.settings.successorStepMs);
  }
  return turn;
}

/** Whether the coordinator, heard from last at `lastHeard`, is silent for too long by `now`. */
export function coordinatorSilent(view: SuccessionView, now: number): boolean {
  return view.coordinatorId !== null && now - view.lastHeard > view.settings.coordinatorTimeoutMs;
}

/** Whether this standby takes over now: the coordinator is gone, its turn has come, and no better one answers. */
export function takeOverDue(view: SuccessionView, now: number): boolean {
  const { lostSince, settings } = view;
  if (view.coordinatorId === null || lostSince === null || view.newerCoordinator !== null) return false;
  const rank = view.succession.indexOf(view.selfId);
  if (rank < 0 || !view.canTakeOver || now - lostSince < rank * settings.successorStepMs) return false;
  // A better-placed standby that still answers will take over; two coordinators would split the ledger.
  return !view.succession
    .slice(0, rank)
    .some((peer) => now - (view.answeredAt.get(peer) ?? Number.NEGATIVE_INFINITY) < settings.successorStepMs);
}

/**
 * Whether a rival coordinator's claim beats this coordinator's own. A claim counts at its term, or, for a term that
 * began without a predecessor's replica, at the last term its coordinator knew before, and then just below one that
 * carried the cluster on at that term: so a server restarting from its store joins the standby that carried its
 * cluster on, and gets coordination back by handover with nothing lost. Then the smaller id wins.
 */
export function outranks(rival: CoordinatorClaim, self: CoordinatorClaim): boolean {
  const standing = (claim: CoordinatorClaim) => claim.restoredFrom ?? claim.term;
  if (standing(rival) !== standing(self)) return standing(rival) > standing(self);
  const carriedOn = (claim: CoordinatorClaim) => claim.restoredFrom === undefined;
  if (carriedOn(rival) !== carriedOn(self)) return carriedOn(rival);
  return rival.id < self.id;
}
