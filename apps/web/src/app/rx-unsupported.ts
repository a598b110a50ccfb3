// Shown instead of the Start button when this browser cannot mine: what is missing, in the engine's own words.
import { css, html, LitElement } from 'lit';
import { shared } from '../ui/theme.js';

export class RxUnsupported extends LitElement {
  static override properties = { missing: { attribute: false } };

  declare missing: string[];

  static override styles = [
    shared,
    css`
      .panel {
        border-left: 6px solid var(--rx-warn);
      }
      ul {
        margin: 0 0 0.75rem;
        padding-left: 1.25rem;
      }
      li + li {
        margin-top: 0.5rem;
      }
    `,
  ];

  constructor() {
    super();
    this.missing = [];
  }

  override render() {
    return html`
      <section class="panel" role="alert" aria-labelledby="unsupported-title" data-testid="unsupported">
        <h2 id="unsupported-title">This browser cannot mine here</h2>
        <ul>
          ${this.missing.map((sentence) => html`<li>${sentence}</li>`)}
        </ul>
        <p class="muted">Nothing runs in this tab. You can still watch the cluster below and in the classroom view.</p>
      </section>
    `;
  }
}

customElements.define('rx-unsupported', RxUnsupported);
