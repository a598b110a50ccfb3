// Where the hashes of this cluster go, in words a contributor can judge, from /api/stats job.source.
import { formatCount, formatDecimal } from '../format.js';
import type { ClusterJob, ClusterSource } from '../stats/cluster-stats.js';

export interface SourceDescription {
  /** A short name: "a demo chain". */
  name: string;
  /** What becomes of the work, and who benefits. */
  detail: string;
}

/**
 * `sourceUrl` is the gateway's daemon or pool as /api/stats names it, when it does: the page says where the work
 * goes, not only what kind of place it is.
 */
export function describeJobSource(
  job: ClusterJob | null,
  serverHost: string,
  sourceUrl: string | null = null,
): SourceDescription {
  const at = sourceUrl === null ? '' : ` at ${hostOf(sourceUrl)}`;
  switch (job?.source) {
    case 'demo':
      return {
        name: 'a demo chain',
        detail:
          `A practice blockchain that the server at ${serverHost} runs for itself. Its blocks are worth nothing ` +
          'and nobody earns money: the hashes only show how a mining cluster works.',
      };
    case 'daemon':
      return {
        name: 'the Monero network, through a Monero node',
        detail:
          `The server at ${serverHost} takes block templates from a Monero node (monerod)${at}. A block this cluster ` +
          "finds is submitted to Monero, and its reward goes to the wallet of the server's operator, not to you.",
      };
    case 'stratum':
      return {
        name: 'a Monero mining pool',
        detail:
          `The server at ${serverHost} mines for a pool${at} under its operator's login. The pool pays the operator ` +
          'for the shares this cluster finds, not you.',
      };
    case undefined:
      return {
        name: 'no job yet',
        detail:
          `The server at ${serverHost} has not announced a job yet, so it is not clear where hashes would go. ` +
          'This page updates when it does.',
      };
    default:
      return {
        name: `a source called "${job?.source}"`,
        detail: `The server at ${serverHost} names a job source this page does not know. Ask its operator before you start.`,
      };
  }
}

/** host:port of a source URL (http:// or stratum+tcp://), or the text itself when it is not a URL. */
function hostOf(url: string): string {
  try {
    return new URL(url).host || url;
  } catch {
    return url;
  }
}

const SOURCE_NAMES: Record<string, string> = { demo: 'demo chain', daemon: 'Monero node', stratum: 'mining pool' };

/** The current job in one line: source, height, difficulty. */
export function jobText(job: ClusterJob | null): string {
  if (job === null) return 'No job yet: the cluster is waiting for its source.';
  const source = SOURCE_NAMES[job.source] ?? job.source;
  return `${source}, height ${formatCount(job.height)}, difficulty ${formatDecimal(job.difficulty)}`;
}

/** The gateway's daemon or pool in one line: whether it answers, and its verdicts on the cluster's candidates. */
export function sourceText(source: ClusterSource): string {
  const daemon = source.kind === 'daemon';
  const state = source.connected ? (daemon ? 'answering' : 'logged in') : 'not answering';
  const what = daemon ? 'blocks' : 'shares';
  const problem = source.lastError === null ? '' : ` Last problem: ${source.lastError}`;
  return (
    `${daemon ? 'Monero node' : 'Pool'} ${source.url}: ${state}; ${formatCount(source.accepted)} ${what} accepted, ` +
    `${formatCount(source.rejected)} refused.${problem}`
  );
}
