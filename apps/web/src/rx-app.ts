// The page shell. Until the mining engine lands it only says that nothing runs here.
import { css, html, LitElement } from 'lit';

export class RxApp extends LitElement {
  static override styles = css`
    :host {
      display: block;
      max-width: 40rem;
      margin: 0 auto;
      padding: 2.5rem 1.25rem;
    }
    h1 {
      font-size: 1.75rem;
      line-height: 1.2;
      margin: 0 0 1rem;
    }
    .status {
      border-left: 4px solid #b26b00;
      padding: 0.75rem 1rem;
      background: color-mix(in srgb, #b26b00 10%, transparent);
      border-radius: 0 6px 6px 0;
    }
    p {
      margin: 0 0 1rem;
    }
    p:last-child {
      margin-bottom: 0;
    }
  `;

  override render() {
    return html`
      <main>
        <h1>rxmesh</h1>
        <p>A volunteer mining cluster that runs in the browser.</p>
        <section class="status" role="status" data-testid="cluster-status">
          <p><strong>This cluster is not ready yet.</strong></p>
          <p>
            Nothing runs in this tab: no hashing, no workers, no connections to other peers. When the cluster is
            ready, this page will say who runs it, where the hashes go and what it costs your computer, and nothing
            will start until you click Start.
          </p>
        </section>
      </main>
    `;
  }
}

customElements.define('rx-app', RxApp);
