// What the contributor reads before anything runs: who runs the cluster, where the hashes go, what it costs, how
// to stop; and, once they agreed, when they did and how to take it back.

import { engineMemoryBytes, engineMemoryPeakBytes } from '@rxmesh/wasm';
import { css, html, LitElement } from 'lit';
import type { MiningSettings } from '../settings.js';
import type { ClusterJob } from '../stats/cluster-stats.js';
import type { Consent } from '../storage/consent.js';
import { shared } from '../ui/theme.js';
import { describeJobSource } from './job-source.js';

const MIB = 2 ** 20;

const DATE = new Intl.DateTimeFormat('en', { dateStyle: 'long', timeStyle: 'short' });

export class RxConsent extends LitElement {
  static override properties = {
    job: { attribute: false },
    jobKnown: { attribute: false },
    sourceUrl: { attribute: false },
    settings: { attribute: false },
    cores: { attribute: false },
    consent: { attribute: false },
    persistent: { attribute: false },
  };

  declare job: ClusterJob | null;
  /** False until the first answer of /api/stats, so "no job yet" is not claimed before the server was asked. */
  declare jobKnown: boolean;
  /** The gateway's daemon or pool, when /api/stats names one. */
  declare sourceUrl: string | null;
  declare settings: MiningSettings;
  declare cores: number;
  declare consent: Consent | undefined;
  declare persistent: boolean;

  static override styles = [
    shared,
    css`
      dl {
        margin: 0;
      }
      dt {
        font-weight: 700;
        margin-top: 0.9rem;
      }
      dt:first-child {
        margin-top: 0;
      }
      dd {
        margin: 0.2rem 0 0;
      }
      summary {
        cursor: pointer;
        min-height: 44px;
      }
      summary h2 {
        display: inline;
      }
      details[open] summary {
        margin-bottom: 0.75rem;
      }
      .remembered {
        margin-top: 1rem;
        padding-top: 1rem;
        border-top: 1px solid var(--rx-border);
        display: flex;
        flex-wrap: wrap;
        gap: 0.75rem;
        align-items: center;
        justify-content: space-between;
      }
      .remembered p {
        margin: 0;
        flex: 1 1 16rem;
      }
    `,
  ];

  constructor() {
    super();
    this.job = null;
    this.jobKnown = false;
    this.sourceUrl = null;
    this.cores = 1;
    this.consent = undefined;
    this.persistent = true;
  }

  /**
   * Whether the facts show. A returning contributor sees them folded (one click opens them); someone reading them
   * for the first time keeps them open, also once they click Start, so nothing jumps.
   */
  private expanded: boolean | undefined;

  protected override willUpdate(): void {
    if (this.consent === undefined) this.expanded = true;
    else this.expanded ??= false;
  }

  override render() {
    if (this.consent === undefined) {
      return html`
        <section class="panel" aria-labelledby="consent-title">
          <h2 id="consent-title">Before you start</h2>
          ${this.renderFacts()}
        </section>
      `;
    }
    return html`
      <section class="panel">
        <details ?open=${this.expanded} @toggle=${this.onToggle}>
          <summary><h2>What you agreed to</h2></summary>
          ${this.renderFacts()}
        </details>
        ${this.renderRemembered(this.consent)}
      </section>
    `;
  }

  private onToggle(event: Event): void {
    this.expanded = (event.target as HTMLDetailsElement).open;
  }

  private renderFacts() {
    const host = location.host;
    const source = this.jobKnown ? describeJobSource(this.job, host, this.sourceUrl) : undefined;
    const { threads, duty } = this.settings;
    return html`
        <dl>
          <dt>Who runs this cluster</dt>
          <dd>
            Whoever runs the server at <strong>${host}</strong>. This page talks only to that server and to other
            browsers and computers in its cluster.
          </dd>
          <dt>Where your hashes go</dt>
          <dd data-testid="job-source">
            ${
              source === undefined
                ? html`<span class="muted">Asking the server…</span>`
                : html`<strong>To ${source.name}.</strong> ${source.detail}`
            }
          </dd>
          <dt>What it costs you</dt>
          <dd>
            ${threads} of your ${this.cores} CPU ${this.cores === 1 ? 'thread' : 'threads'}, busy
            ${Math.round(duty * 100)}% of the time, and about ${Math.round(engineMemoryBytes(threads) / MIB)} MiB of
            memory (256 MiB for the RandomX cache that all threads share, and about 8 MiB per thread), up to about
            ${Math.round(engineMemoryPeakBytes(threads) / MIB)} MiB from when the RandomX key is about to change:
            the next key's cache is built beside the current one, so mining goes on. Your device will run warmer and its battery will drain
            faster. You can change both below.
          </dd>
          <dt>How to stop</dt>
          <dd>
            Click <strong>Stop</strong>, which stays at the top of the page while mining runs, or close this tab.
            Nothing runs until you click Start, and nothing starts by itself when you come back.
          </dd>
        </dl>
    `;
  }

  private renderRemembered(consent: Consent) {
    const where = this.persistent
      ? 'This browser remembers your choice and settings'
      : 'This browser keeps nothing after the tab closes, so your choice lasts only this visit';
    return html`
      <div class="remembered">
        <p>
          You agreed on ${DATE.format(consent.givenAt)}. ${where}; mining still waits for you to click Start.
          Withdrawing stops mining and forgets your choice, settings and lifetime contribution here.
        </p>
        <button class="quiet" type="button" data-testid="withdraw" @click=${this.withdraw}>
          Withdraw consent
        </button>
      </div>
    `;
  }

  private withdraw(): void {
    this.dispatchEvent(new Event('withdraw', { bubbles: true, composed: true }));
  }
}

customElements.define('rx-consent', RxConsent);
