// Peers ranked by credited work (the difficulty of their accepted shares, summed), with their hashrate now.
import { css, html, LitElement } from 'lit';
import { formatDecimal, formatHashrate } from '../format.js';
import type { ClusterMember } from '../stats/cluster-stats.js';
import { shared } from '../ui/theme.js';
import { morePeers } from './more-peers.js';

/** A projector shows this many rows; the rest are counted. */
const SHOWN = 15;

/** Most credited work first; ties by hashrate, then name, so the order holds still between polls. */
export function rankMembers(members: ClusterMember[]): ClusterMember[] {
  return [...members].sort((a, b) => {
    const work = BigInt(b.creditedWork) - BigInt(a.creditedWork);
    if (work !== 0n) return work > 0n ? 1 : -1;
    if (b.hashrate !== a.hashrate) return b.hashrate - a.hashrate;
    return a.name.localeCompare(b.name, 'en') || (a.id < b.id ? -1 : 1);
  });
}

const ENGINE_WORDS: Record<ClusterMember['engine'], string> = { native: 'host', wasm: 'browser', xmrig: 'rig' };

/** Whether a peer reads dataset items (full mode) or computes each from the cache (light mode); rigs do not say. */
export function modeWords(member: Pick<ClusterMember, 'engine' | 'mode'>): string | null {
  if (member.engine === 'xmrig') return null;
  return member.mode === 'full' ? 'full mode' : 'light mode';
}

/** How many of `members` read dataset items (full mode) and how many compute them (light mode); rigs do not say. */
export function modeCounts(members: readonly Pick<ClusterMember, 'engine' | 'mode'>[]): {
  full: number;
  light: number;
} {
  let full = 0;
  let light = 0;
  for (const member of members) {
    const mode = modeWords(member);
    if (mode === 'full mode') full++;
    else if (mode === 'light mode') light++;
  }
  return { full, light };
}

/** What the peer is, its mode, and the start of its id, which tells apart two peers of the same name. */
function roleWords(member: ClusterMember, coordinator: string | null): string {
  let role: string;
  if (member.id === coordinator) role = 'coordinator';
  else if (member.standbyRank !== null) role = `standby ${member.standbyRank + 1}`;
  else if (member.role === 'gateway') role = 'gateway';
  else role = ENGINE_WORDS[member.engine];
  const mode = modeWords(member);
  return `${role}${mode === null ? '' : `, ${mode}`} · ${member.id.slice(0, 8)}`;
}

export class RxLeaderboard extends LitElement {
  static override properties = {
    members: { attribute: false },
    memberCount: { attribute: false },
    coordinator: { attribute: false },
  };

  /** The members /api/stats lists, which hold the most credited ones. */
  declare members: ClusterMember[];
  /** Every member of the cluster, listed or not. */
  declare memberCount: number;
  declare coordinator: string | null;

  static override styles = [
    shared,
    css`
      .scroll {
        overflow-x: auto;
      }
      table {
        width: 100%;
        border-collapse: collapse;
        font-variant-numeric: tabular-nums;
      }
      th,
      td {
        padding: 0.4em 0.4em;
        text-align: left;
        border-bottom: 1px solid var(--rx-border);
        white-space: nowrap;
      }
      th {
        font-size: 0.85em;
        color: var(--rx-muted);
        font-weight: 600;
      }
      td.number,
      th.number {
        text-align: right;
      }
      td.name {
        white-space: normal;
        overflow-wrap: break-word;
        min-width: 7em;
        font-weight: 700;
      }

      .role {
        display: block;
        font-weight: 400;
        font-size: 0.8em;
        color: var(--rx-muted);
      }
    `,
  ];

  constructor() {
    super();
    this.members = [];
    this.memberCount = 0;
    this.coordinator = null;
  }

  override render() {
    const ranked = rankMembers(this.members);
    const shown = ranked.slice(0, SHOWN);
    const hidden = Math.max(this.memberCount, ranked.length) - shown.length;
    return html`
      <div class="scroll">
        <table data-testid="leaderboard">
          <caption class="visually-hidden">Peers by credited work</caption>
          <thead>
            <tr>
              <th scope="col" class="number">#</th>
              <th scope="col">Peer</th>
              <th scope="col" class="number">Hashrate</th>
              <th scope="col" class="number">Work<span class="visually-hidden"> credited</span></th>
            </tr>
          </thead>
          <tbody>
            ${shown.map(
              (member, index) => html`<tr data-peer=${member.id}>
                <td class="number">${index + 1}</td>
                <td class="name">${member.name}<span class="role">${roleWords(member, this.coordinator)}</span></td>
                <td class="number">${formatHashrate(member.hashrate)}</td>
                <td class="number">${formatDecimal(member.creditedWork)}</td>
              </tr>`,
            )}
          </tbody>
        </table>
      </div>
      ${
        ranked.length === 0
          ? html`<p class="muted">No peers yet. Open this address on another device and click Start.</p>`
          : ''
      }
      ${hidden > 0 ? html`<p class="muted" data-testid="leaderboard-more">${morePeers(hidden)}</p>` : ''}
    `;
  }
}

customElements.define('rx-leaderboard', RxLeaderboard);
