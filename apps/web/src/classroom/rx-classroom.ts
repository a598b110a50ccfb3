// The classroom view (/classroom), for a projector: the join address, the cluster's figures, the mesh as a graph,
// the leaderboard, blocks found and what RandomX does inside. Reads /api/stats about once a second; mines nothing.
import { css, html, LitElement, nothing } from 'lit';
import { jobText } from '../app/job-source.js';
import { formatCount, formatHashrate } from '../format.js';
import type { ClusterStats } from '../stats/cluster-stats.js';
import type { StatsPoller } from '../stats/stats-poller.js';
import { CLASSROOM_TITLE } from '../title.js';
import { SubscriptionController } from '../ui/subscription-controller.js';
import { figures, shared } from '../ui/theme.js';
import './rx-blocks.js';
import './rx-inside-randomx.js';
import './rx-leaderboard.js';
import './rx-mesh-graph.js';

/** Why the graph is empty, when it is: the server may not coordinate the cluster, or no one joined yet. */
export function emptyGraphReason(stats: ClusterStats | null): string | null {
  if (stats === null) return 'Asking the server…';
  if (stats.members.length > 0) return null;
  switch (stats.view) {
    case 'signaling':
      return 'This server runs no gateway, so it cannot see the mesh: start it with rxmesh serve, without --no-gateway.';
    case 'member':
      return "Another peer coordinates this cluster; only the coordinator's server can draw the whole mesh.";
    case 'coordinator':
      return 'No peers yet. Open this address on another device and click Start.';
  }
}

export class RxClassroom extends LitElement {
  static override properties = { stats: { attribute: false } };

  /** Set before the element is connected (main.ts, tests). */
  declare stats: StatsPoller;
  private subscribed = false;

  static override styles = [
    shared,
    figures,
    css`
      :host {
        display: block;
        max-width: 120rem;
        margin: 0 auto;
        padding: 1rem;
        font-size: clamp(1rem, 0.6rem + 0.8vw, 1.6rem);
      }
      header {
        display: flex;
        flex-wrap: wrap;
        align-items: baseline;
        justify-content: space-between;
        gap: 0.5rem 1.5rem;
        margin-bottom: 1rem;
      }
      h1 {
        font-size: 1.8em;
        margin: 0;
      }
      .join {
        font-size: 1.2em;
        margin: 0;
        overflow-wrap: anywhere;
      }
      .join strong {
        font-family: var(--rx-mono);
      }
      dl.figures dd {
        font-size: 1.6em;
      }
      .job {
        margin: 0.75rem 0 0;
        overflow-wrap: anywhere;
      }
      .grid {
        display: grid;
        gap: 1rem;
        margin-top: 1rem;
      }
      .grid > * {
        min-width: 0;
      }
      .inside {
        margin-top: 1rem;
      }
      .reason {
        margin: 0 0 0.5rem;
      }
      @media (min-width: 64rem) {
        .grid {
          grid-template-columns: minmax(0, 3fr) minmax(0, 2fr);
        }
        .graph-panel {
          grid-row: span 2;
        }
      }
    `,
  ];

  override connectedCallback(): void {
    if (!this.subscribed) {
      new SubscriptionController(this, this.stats);
      this.subscribed = true;
    }
    super.connectedCallback();
    document.title = CLASSROOM_TITLE;
  }

  override render() {
    const { stats, error, updatedAt } = this.stats.state;
    const reason = emptyGraphReason(stats);
    return html`
      <header>
        <h1>rxmesh classroom</h1>
        <p class="join">Join at <strong>${location.origin}</strong></p>
      </header>
      ${error === null ? nothing : html`<p class="panel error" role="alert">${error}</p>`}
      <section class="panel" aria-labelledby="totals-title">
        <h2 id="totals-title" class="visually-hidden">The cluster</h2>
        <dl class="figures">
          <div><dt>Peers</dt><dd data-testid="cluster-peers">${stats === null ? '–' : formatCount(stats.peers)}</dd></div>
          <div><dt>Hashrate</dt><dd>${stats === null ? '–' : formatHashrate(stats.hashrate)}</dd></div>
          <div><dt>Shares accepted</dt><dd>${stats === null ? '–' : formatCount(stats.sharesAccepted)}</dd></div>
          <div><dt>Blocks found</dt><dd>${stats === null ? '–' : formatCount(stats.blocksFound)}</dd></div>
        </dl>
        <p class="job"><strong>Mining:</strong> <span data-testid="job">${
          stats === null ? 'asking the server…' : jobText(stats.job)
        }</span></p>
      </section>
      <div class="grid">
        <section class="panel graph-panel" aria-labelledby="graph-heading">
          <h2 id="graph-heading">The mesh</h2>
          ${reason === null ? nothing : html`<p class="reason muted">${reason}</p>`}
          <rx-mesh-graph .members=${stats?.members ?? []} .coordinator=${stats?.coordinator ?? null}></rx-mesh-graph>
        </section>
        <section class="panel" aria-labelledby="leaders-heading">
          <h2 id="leaders-heading">Leaderboard</h2>
          <rx-leaderboard .members=${stats?.members ?? []} .coordinator=${stats?.coordinator ?? null}></rx-leaderboard>
        </section>
        <section class="panel" aria-labelledby="blocks-heading">
          <h2 id="blocks-heading">Blocks found</h2>
          <rx-blocks .blocks=${stats?.blocks ?? []} .now=${updatedAt ?? Date.now()}></rx-blocks>
        </section>
      </div>
      <section class="panel inside" aria-labelledby="inside-heading">
        <h2 id="inside-heading">Inside RandomX</h2>
        <rx-inside-randomx></rx-inside-randomx>
      </section>
    `;
  }
}

customElements.define('rx-classroom', RxClassroom);

declare global {
  interface HTMLElementTagNameMap {
    'rx-classroom': RxClassroom;
  }
}
