// Whom the page talks to, as the consent text says it: the page's server, the cluster's peers, and the STUN and TURN
// servers the server names at /api/ice, each with what it does, so that the sentence stays true wherever it runs.
import { type IceServer, iceServerHost } from '@rxmesh/core';

function hostsOf(iceServers: readonly IceServer[], turn: boolean): string[] {
  const urls = iceServers.flatMap((server) => server.urls).filter((url) => url.startsWith('stun:') !== turn);
  return [...new Set(urls.map(iceServerHost))];
}

function list(items: string[]): string {
  return items.length <= 1 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} and ${items.at(-1)}`;
}

/** `iceServers` as /api/ice answered, or null while the server has not answered. */
export function whomThePageTalksTo(iceServers: readonly IceServer[] | null): string {
  const peers = 'to other browsers and computers in its cluster';
  if (iceServers === null) {
    return `This page talks to that server and ${peers}; it is asking the server which servers help peers reach each other.`;
  }
  const helpers: string[] = [];
  const stun = hostsOf(iceServers, false);
  const turn = hostsOf(iceServers, true);
  if (stun.length > 0) {
    helpers.push(
      `to the STUN ${stun.length === 1 ? 'server' : 'servers'} ${list(stun)}, which ${stun.length === 1 ? 'tells' : 'tell'} ` +
        'it the address your router shows the internet',
    );
  }
  if (turn.length > 0) {
    helpers.push(
      `to the TURN ${turn.length === 1 ? 'server' : 'servers'} ${list(turn)}, which ${turn.length === 1 ? 'relays' : 'relay'} ` +
        "the cluster's messages between peers that cannot reach each other directly (encrypted: it sees that they " +
        'talk, not what they say)',
    );
  }
  if (helpers.length === 0) return `This page talks only to that server and ${peers}.`;
  return `This page talks only to that server, ${peers}, and ${helpers.join(', and ')}.`;
}
