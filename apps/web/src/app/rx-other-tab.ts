// Shown instead of Start when another tab of this browser mines: its figures, and how to mine here instead.
import { html, LitElement } from 'lit';
import { formatCount, formatHashrate } from '../format.js';
import type { TabStatus } from '../tabs/tab-leader.js';
import { figures, shared } from '../ui/theme.js';

export class RxOtherTab extends LitElement {
  static override properties = { status: { attribute: false } };

  /** Null until its first report arrives (within a second). */
  declare status: TabStatus | null;

  static override styles = [shared, figures];

  constructor() {
    super();
    this.status = null;
  }

  override render() {
    const other = this.status;
    return html`
      <section class="panel" aria-labelledby="other-title" data-testid="other-tab">
        <h2 id="other-title">Mining runs in another tab</h2>
        <p>
          Another tab of this browser is mining, so this one does not: two would only share the same cores. Stop it
          there, or close it, to mine here.
        </p>
        ${
          other === null
            ? html`<p class="muted">Waiting for its figures…</p>`
            : html`<dl class="figures">
                <div>
                  <dt>Its hashrate</dt>
                  <dd>${other.paused ? 'paused' : formatHashrate(other.hashrate)}</dd>
                </div>
                <div>
                  <dt>Hashes</dt>
                  <dd>${formatCount(other.hashes)}</dd>
                </div>
                <div>
                  <dt>Shares accepted</dt>
                  <dd>${formatCount(other.sharesAccepted)}</dd>
                </div>
              </dl>`
        }
      </section>
    `;
  }
}

customElements.define('rx-other-tab', RxOtherTab);
