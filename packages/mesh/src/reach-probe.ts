// How other peers reach this one, found out once at start the way WebRTC would: a throwaway connection gathers its
// ICE candidates with the STUN and TURN servers in hand, and their types say it (see LINK_REACH in @rxmesh/core).
// The coordinator places joiners where their links are likely to open by it.
import type { IceServer, LinkReach } from '@rxmesh/core';
import { platform } from './platform.js';

/** Gathering waits at most this long: a STUN server that does not answer would hold the start up for longer. */
const GATHER_TIMEOUT_MS = 3000;

/** The parts of an RTCPeerConnection the probe uses. */
export interface ProbeConnection {
  createDataChannel(label: string): unknown;
  createOffer(): Promise<{ type: string; sdp?: string }>;
  setLocalDescription(description: { type: string; sdp?: string }): Promise<void>;
  addEventListener(type: 'icecandidate', listener: (event: { candidate: { candidate: string } | null }) => void): void;
  close(): void;
}

/** Whether `address` is one anyone on the internet can send to: not private, loopback, link-local or shared. */
export function isPublicAddress(address: string): boolean {
  if (address.endsWith('.local')) return false; // a browser's mDNS name for a host address
  const v4 = /^(\d+)\.(\d+)\.\d+\.\d+$/.exec(address);
  if (v4 !== null) {
    const [a, b] = [Number(v4[1]), Number(v4[2])];
    return !(
      a === 10 ||
      a === 127 ||
      a === 0 ||
      (a === 172 && b >= 16 && b <= 31) ||
      (a === 192 && b === 168) ||
      (a === 169 && b === 254) ||
      (a === 100 && b >= 64 && b <= 127)
    );
  }
  const v6 = address.toLowerCase();
  return v6.includes(':') && v6 !== '::1' && !/^(fe[89ab]|fc|fd)/.test(v6);
}

/** The reach the gathered candidates (`candidate:` lines) show. */
export function reachFromCandidates(candidates: readonly string[]): LinkReach {
  const parsed = candidates.flatMap((line) => {
    const match = / (\S+) \d+ typ (host|srflx|prflx|relay)/.exec(line);
    return match === null ? [] : [{ address: match[1] ?? '', type: match[2] }];
  });
  if (parsed.some(({ type }) => type === 'relay')) return 'relay';
  if (parsed.some(({ type, address }) => type === 'host' && isPublicAddress(address))) return 'public';
  if (parsed.some(({ type }) => type === 'srflx' || type === 'prflx')) return 'nat';
  return parsed.length > 0 ? 'local' : 'unknown';
}

/** Gathers candidates on a connection `open` makes (with `iceServers`), and closes it. */
export async function probeReach(
  open: (config: { iceServers: IceServer[] }) => ProbeConnection,
  iceServers: IceServer[],
): Promise<LinkReach> {
  const connection = open({ iceServers });
  const candidates: string[] = [];
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = platform.setTimeout(resolve, GATHER_TIMEOUT_MS);
      connection.addEventListener('icecandidate', ({ candidate }) => {
        if (candidate === null || candidate.candidate === '') {
          platform.clearTimeout(timer);
          resolve();
        } else {
          candidates.push(candidate.candidate);
        }
      });
      connection.createDataChannel('probe');
      connection
        .createOffer()
        .then((offer) => connection.setLocalDescription(offer))
        .catch(reject);
    });
  } catch {
    return 'unknown';
  } finally {
    connection.close();
  }
  return reachFromCandidates(candidates);
}
