// How the class joins: every URL that reaches the server from the network, each with a QR code and what a tab
// opened there gets (all threads over https, one over plain http), and the certificate's fingerprint to compare
// when the server made its own.
import type { JoinInfo, JoinUrl } from '@rxmesh/core';
import { css, html, LitElement, nothing } from 'lit';
import { shared } from '../ui/theme.js';
import { QUIET_ZONE, qrPath } from './qr-code.js';

/** A projector shows this many URLs with their codes; a laptop rarely has more than two networks. */
const SHOWN = 3;

export function threadsWords(url: JoinUrl): string {
  if (url.threads === 'one') return 'one thread: plain http from another computer is not a secure context';
  return url.scheme === 'https'
    ? 'all threads: the page is on https'
    : 'all threads, but only on this computer: other computers get one thread over plain http';
}

/** What the view says when the server names no URL, or when it could not be asked. */
export function noUrlsAdvice(info: JoinInfo | null, error: string | null): string | null {
  if (error !== null) return `The join address is unknown: ${error}`;
  if (info === null) return 'Asking the server for its addresses…';
  if (info.urls.length > 0) return null;
  return 'This computer has no network address yet: connect it to the school network, and its addresses appear here.';
}

export class RxJoin extends LitElement {
  static override properties = {
    info: { attribute: false },
    error: { attribute: false },
  };

  declare info: JoinInfo | null;
  declare error: string | null;

  constructor() {
    super();
    this.info = null;
    this.error = null;
  }

  static override styles = [
    shared,
    css`
      ul {
        list-style: none;
        margin: 0;
        padding: 0;
        display: flex;
        flex-wrap: wrap;
        gap: 1rem 2rem;
      }
      li {
        display: flex;
        align-items: center;
        gap: 1rem;
      }
      svg {
        width: 9em;
        height: 9em;
        flex: none;
        background: #fff;
        border-radius: 4px;
      }
      path {
        fill: #000;
      }
      .url {
        font-family: var(--rx-mono);
        font-size: 1.2em;
        font-weight: 700;
        overflow-wrap: anywhere;
        margin: 0 0 0.25rem;
      }
      .threads,
      .fingerprint {
        margin: 0;
        font-size: 0.85em;
      }
      .fingerprint {
        margin-top: 0.75rem;
        font-family: var(--rx-mono);
        overflow-wrap: anywhere;
      }
    `,
  ];

  override render() {
    const advice = noUrlsAdvice(this.info, this.error);
    if (advice !== null) return html`<p class="muted" data-testid="join-advice">${advice}</p>`;
    const info = this.info as JoinInfo;
    const { certificate } = info;
    return html`
      <ul data-testid="join-urls">
        ${info.urls.slice(0, SHOWN).map((url) => {
          const code = qrPath(url.url);
          const side = code.size + 2 * QUIET_ZONE;
          return html`<li data-threads=${url.threads}>
            <svg viewBox="0 0 ${side} ${side}" role="img" aria-label=${`QR code of ${url.url}`} shape-rendering="crispEdges">
              <path d=${code.d}></path>
            </svg>
            <div>
              <p class="url">${url.url}</p>
              <p class="threads muted">${threadsWords(url)}</p>
            </div>
          </li>`;
        })}
      </ul>
      ${
        certificate?.selfSigned
          ? html`<p class="fingerprint muted" data-testid="fingerprint">
              The browser warns about this server's own certificate. Accept it only if its SHA-256 fingerprint reads
              ${certificate.fingerprint256}
            </p>`
          : nothing
      }
    `;
  }
}

customElements.define('rx-join', RxJoin);

declare global {
  interface HTMLElementTagNameMap {
    'rx-join': RxJoin;
  }
}
