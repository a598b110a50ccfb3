// Blocks the cluster found, newest first, with who found them.
import { css, html, LitElement } from 'lit';
import { formatAgo, formatCount } from '../format.js';
import type { ClusterBlock } from '../stats/cluster-stats.js';
import { shared } from '../ui/theme.js';

export class RxBlocks extends LitElement {
  static override properties = {
    blocks: { attribute: false },
    now: { attribute: false },
  };

  declare blocks: ClusterBlock[];
  /** The time "ago" is counted from; the classroom passes its poll time so all rows agree. */
  declare now: number;

  static override styles = [
    shared,
    css`
      ol {
        list-style: none;
        margin: 0;
        padding: 0;
      }
      li {
        display: grid;
        grid-template-columns: auto 1fr auto;
        gap: 0.25rem 0.75rem;
        align-items: baseline;
        padding: 0.45em 0;
        border-bottom: 1px solid var(--rx-border);
      }
      .height {
        font-weight: 700;
        font-variant-numeric: tabular-nums;
      }
      .finder {
        overflow-wrap: anywhere;
      }
      .id {
        grid-column: 2 / 4;
        font-family: var(--rx-mono);
        font-size: 0.8em;
        color: var(--rx-muted);
        overflow-wrap: anywhere;
      }
    `,
  ];

  constructor() {
    super();
    this.blocks = [];
    this.now = Date.now();
  }

  override render() {
    if (this.blocks.length === 0) {
      return html`<p class="muted" data-testid="blocks">No blocks yet. A block needs one hash below the chain's target: the more peers hash, the sooner one comes.</p>`;
    }
    return html`
      <ol data-testid="blocks">
        ${this.blocks.map(
          (block) => html`<li data-height=${block.height}>
            <span class="height">#${formatCount(block.height)}</span>
            <span class="finder">found by <strong>${block.finderName}</strong></span>
            <span class="muted">${formatAgo(this.now - block.foundAt)}</span>
            <span class="id" title=${block.id}>${block.id.slice(0, 16)}…</span>
          </li>`,
        )}
      </ol>
    `;
  }
}

customElements.define('rx-blocks', RxBlocks);
