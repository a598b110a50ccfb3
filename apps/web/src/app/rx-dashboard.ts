// The live figures: this tab (hashrate, chart, shares, key preparation), the lifetime contribution, and the
// cluster with its current job.
import { css, html, LitElement } from 'lit';
import { formatCount, formatHashrate, formatPercent } from '../format.js';
import type { TabMinerState } from '../mining/tab-miner.js';
import type { ClusterStats } from '../stats/cluster-stats.js';
import { figures, shared } from '../ui/theme.js';
import { jobText } from './job-source.js';
import './rx-hashrate-chart.js';

/** What a screen reader hears when it changes: the state and the share counts, not the hashrate every second. */
export function liveSummary(state: TabMinerState): string {
  const { phase, figures: own, pausedFor } = state;
  const shares = `${formatCount(own.sharesAccepted)} shares accepted, ${formatCount(own.sharesRejected)} rejected.`;
  switch (phase) {
    case 'starting':
      return 'Mining is starting.';
    case 'mining':
      if (pausedFor.length > 0) return `Mining is paused. ${shares}`;
      return own.keyProgress !== null ? `Preparing RandomX. ${shares}` : `Mining. ${shares}`;
    case 'stopping':
      return 'Stopping.';
    case 'elsewhere':
      return 'Another tab of this browser is mining.';
    default:
      return own.hashes > 0 ? `Mining stopped. ${shares}` : '';
  }
}

/** A labelled progress bar, its words followed by the percentage done; `id` is its test id too. */
function progressBar(id: string, words: string, { done, total }: { done: number; total: number }) {
  return html`<label for=${id}>${words} ${formatPercent(total === 0 ? 0 : done / total)}</label>
    <progress id=${id} data-testid=${id} max=${total} .value=${done}></progress>`;
}

export class RxDashboard extends LitElement {
  static override properties = {
    state: { attribute: false },
    stats: { attribute: false },
  };

  declare state: TabMinerState;
  declare stats: ClusterStats | null;

  static override styles = [
    shared,
    figures,
    css`
      :host {
        display: grid;
        grid-template-columns: minmax(0, 1fr);
        gap: 1rem;
      }
      .headline {
        display: flex;
        flex-wrap: wrap;
        align-items: baseline;
        justify-content: space-between;
        gap: 0.25rem 1rem;
        margin-bottom: 0.5rem;
      }
      .rate {
        font-size: clamp(2rem, 7vw, 3.25rem);
        line-height: 1.1;
      }
      .key {
        min-height: 3.25rem;
        margin-bottom: 0.75rem;
      }
      .key label {
        display: block;
        font-size: 0.875rem;
      }
      progress {
        width: 100%;
        height: 0.9rem;
        accent-color: var(--rx-accent);
      }
      rx-hashrate-chart {
        margin-bottom: 1rem;
      }
      .job {
        margin-top: 1rem;
        overflow-wrap: anywhere;
      }
    `,
  ];

  constructor() {
    super();
    this.stats = null;
  }

  override render() {
    return html`
      <p class="visually-hidden" role="status">${liveSummary(this.state)}</p>
      ${this.renderOwn()} ${this.renderLifetime()} ${this.renderCluster()}
    `;
  }

  private renderOwn() {
    const { figures: own, history } = this.state;
    const progress = own.keyProgress;
    return html`
      <section class="panel" aria-labelledby="own-title">
        <div class="headline">
          <h2 id="own-title">This tab</h2>
          <span class="figure rate" data-testid="hashrate" data-hashes=${own.hashes}>
            ${formatHashrate(own.hashrate)}
          </span>
        </div>
        <div class="key">
          ${
            progress === null
              ? this.renderRebuild()
              : progressBar(
                  'key-progress',
                  progress.mode === 'full'
                    ? 'Preparing RandomX: building the 2080 MiB dataset for full mode,'
                    : 'Preparing RandomX: building the 256 MiB cache and compiling its programs,',
                  progress,
                )
          }
        </div>
        <rx-hashrate-chart .history=${history}></rx-hashrate-chart>
        <dl class="figures">
          <div>
            <dt>Hashes this visit</dt>
            <dd>${formatCount(own.hashes)}</dd>
          </div>
          <div>
            <dt>Shares accepted</dt>
            <dd data-testid="shares-accepted">${formatCount(own.sharesAccepted)}</dd>
          </div>
          <div>
            <dt>Shares rejected</dt>
            <dd data-testid="shares-rejected">${formatCount(own.sharesRejected)}</dd>
          </div>
        </dl>
      </section>
    `;
  }

  /** After a seed change in full mode, the dataset's rebuild while hashing goes on; otherwise what the tab does. */
  private renderRebuild() {
    const rebuild = this.state.phase === 'mining' ? this.state.figures.datasetRebuild : null;
    if (rebuild === null) return html`<p class="muted" data-testid="key-words">${this.keyWords()}</p>`;
    return progressBar(
      'dataset-rebuild',
      'New seed: hashing in light mode while the dataset is rebuilt for full mode,',
      rebuild,
    );
  }

  private keyWords(): string {
    const { figures: own } = this.state;
    switch (this.state.phase) {
      case 'mining':
        if (!own.joined) return 'Joining the cluster…';
        if (own.hashrate === 0) return 'Waiting for work from the cluster…';
        return own.readsDataset ? 'Hashing in full mode, reading items from the dataset.' : 'Hashing.';
      case 'starting':
        return 'Joining the cluster…';
      default:
        return 'Nothing runs in this tab.';
    }
  }

  private renderLifetime() {
    const { lifetime, persistent } = this.state;
    return html`
      <section class="panel" aria-labelledby="lifetime-title">
        <h2 id="lifetime-title">Your lifetime contribution</h2>
        <dl class="figures">
          <div>
            <dt>Hashes</dt>
            <dd data-testid="lifetime-hashes">${formatCount(lifetime.hashes)}</dd>
          </div>
          <div>
            <dt>Shares accepted</dt>
            <dd>${formatCount(lifetime.sharesAccepted)}</dd>
          </div>
        </dl>
        <p class="muted">
          ${
            persistent
              ? 'Counted in this browser only, over all your visits.'
              : 'This browser keeps nothing after the tab closes, so this counts this visit only.'
          }
        </p>
      </section>
    `;
  }

  private renderCluster() {
    const stats = this.stats;
    return html`
      <section class="panel" aria-labelledby="cluster-title">
        <h2 id="cluster-title">The cluster</h2>
        <dl class="figures">
          <div>
            <dt>Peers</dt>
            <dd data-testid="cluster-peers">${stats === null ? '–' : formatCount(stats.peers)}</dd>
          </div>
          <div>
            <dt>Hashrate</dt>
            <dd>${stats === null ? '–' : formatHashrate(stats.hashrate)}</dd>
          </div>
          <div>
            <dt>Shares accepted</dt>
            <dd>${stats === null ? '–' : formatCount(stats.sharesAccepted)}</dd>
          </div>
          <div>
            <dt>Blocks found</dt>
            <dd>${stats === null ? '–' : formatCount(stats.blocksFound)}</dd>
          </div>
        </dl>
        <p class="job"><strong>Current job:</strong> <span data-testid="job">${
          stats === null ? 'asking the server…' : jobText(stats.job)
        }</span></p>
      </section>
    `;
  }
}

customElements.define('rx-dashboard', RxDashboard);
