// GET /api/stats as the page reads it: checked at the boundary against core's stats contract, field by field, so
// one odd entry costs that entry and one odd field reads as a neutral value, not the page. Typebox's interpreted
// Value API, since the page's CSP forbids the evaluated code its compiler makes.

import {
  type ClusterBlock,
  ClusterBlockSchema,
  type ClusterJob,
  ClusterJobSchema,
  type ClusterMember,
  ClusterMemberSchema,
  type ClusterSource,
  ClusterSourceSchema,
  type ClusterStats,
  type ClusterStatsAnswer,
  ClusterStatsAnswerSchema,
  type StatsView,
} from '@rxmesh/core';
import type { Static, TSchema } from 'typebox';
import { Value } from 'typebox/value';

export type { ClusterBlock, ClusterJob, ClusterMember, ClusterSource, ClusterStats, ClusterStatsAnswer, StatsView };

type Fields = Record<string, unknown>;

function isObject(value: unknown): value is Fields {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `value` when it fits `schema`, else `fallback`. */
function fieldOr<S extends TSchema>(schema: S, value: unknown, fallback: Static<S>): Static<S> {
  return Value.Check(schema, value) ? value : fallback;
}

const answerFields = ClusterStatsAnswerSchema.properties;
const jobFields = ClusterJobSchema.properties;
const memberFields = ClusterMemberSchema.properties;
const blockFields = ClusterBlockSchema.properties;
const sourceFields = ClusterSourceSchema.properties;

function parseJob(value: unknown): ClusterJob | null {
  if (
    !isObject(value) ||
    !Value.Check(jobFields.source, value.source) ||
    !Value.Check(jobFields.height, value.height)
  ) {
    return null;
  }
  return {
    source: value.source,
    height: value.height,
    difficulty: fieldOr(jobFields.difficulty, value.difficulty, '0'),
  };
}

function parseMember(value: unknown): ClusterMember | undefined {
  if (!isObject(value) || !Value.Check(memberFields.id, value.id)) return undefined;
  const { id } = value;
  return {
    id,
    name: fieldOr(memberFields.name, value.name, id.slice(0, 8)),
    // Unknown kinds read as the most common one, a browser: the page shows a peer, not its label.
    role: fieldOr(memberFields.role, value.role, 'worker'),
    engine: fieldOr(memberFields.engine, value.engine, 'wasm'),
    mode: fieldOr(memberFields.mode, value.mode, 'light'),
    hashrate: fieldOr(memberFields.hashrate, value.hashrate, 0),
    sharesAccepted: fieldOr(memberFields.sharesAccepted, value.sharesAccepted, 0),
    creditedWork: fieldOr(memberFields.creditedWork, value.creditedWork, '0'),
    parent: fieldOr(memberFields.parent, value.parent, null),
    standbyRank: fieldOr(memberFields.standbyRank, value.standbyRank, null),
  };
}

function parseBlock(value: unknown): ClusterBlock | undefined {
  if (!isObject(value) || !Value.Check(blockFields.height, value.height) || !Value.Check(blockFields.id, value.id)) {
    return undefined;
  }
  return {
    height: value.height,
    id: value.id,
    finderId: fieldOr(blockFields.finderId, value.finderId, ''),
    finderName: fieldOr(blockFields.finderName, value.finderName, 'unknown'),
    foundAt: fieldOr(blockFields.foundAt, value.foundAt, 0),
  };
}

function parseSource(value: unknown): ClusterSource | null {
  if (!isObject(value) || !Value.Check(sourceFields.kind, value.kind)) return null;
  return {
    kind: value.kind,
    url: fieldOr(sourceFields.url, value.url, ''),
    connected: fieldOr(sourceFields.connected, value.connected, false),
    accepted: fieldOr(sourceFields.accepted, value.accepted, 0),
    rejected: fieldOr(sourceFields.rejected, value.rejected, 0),
    lastError: fieldOr(sourceFields.lastError, value.lastError, null),
  };
}

function parseList<T>(value: unknown, parse: (item: unknown) => T | undefined): T[] {
  if (!Array.isArray(value)) return [];
  return value.map(parse).filter((item): item is T => item !== undefined);
}

/** Reads an answer of /api/stats; throws a sentence when it is not one. */
export function parseClusterStats(value: unknown): ClusterStatsAnswer {
  if (!isObject(value) || !Value.Check(answerFields.peers, value.peers)) {
    throw new Error('The server answered /api/stats with something that is not cluster statistics.');
  }
  const members = parseList(value.members, parseMember);
  return {
    view: fieldOr(answerFields.view, value.view, 'signaling'),
    peers: value.peers,
    hashrate: fieldOr(answerFields.hashrate, value.hashrate, 0),
    sharesAccepted: fieldOr(answerFields.sharesAccepted, value.sharesAccepted, 0),
    sharesRejected: fieldOr(answerFields.sharesRejected, value.sharesRejected, 0),
    blocksFound: fieldOr(answerFields.blocksFound, value.blocksFound, 0),
    job: parseJob(value.job),
    coordinator: fieldOr(answerFields.coordinator, value.coordinator, null),
    links: fieldOr(answerFields.links, value.links, null),
    // Never fewer than listed: a server without the count listed every member.
    memberCount: Math.max(members.length, fieldOr(answerFields.memberCount, value.memberCount, 0)),
    members,
    blocks: parseList(value.blocks, parseBlock),
    source: parseSource(value.source),
    signaling: fieldOr(answerFields.signaling, value.signaling, { sockets: 0, peers: 0, servers: 1 }),
  };
}
