// What the contributor reads before anything runs: who runs the cluster, where the hashes go, what it costs, how
// to stop; and, once they agreed, when they did and how to take it back.

import type { IceServer } from '@rxmesh/core';
import { css, html, LitElement, nothing } from 'lit';
import {
  FULL_MODE_ESTIMATE,
  type MiningMode,
  miningMemoryBytes,
  miningThreads,
  pageMiningMode,
} from '../mining/mining-mode.js';
import type { MiningSettings } from '../settings.js';
import type { ClusterJob } from '../stats/cluster-stats.js';
import type { Consent } from '../storage/consent.js';
import { shared } from '../ui/theme.js';
import { describeJobSource } from './job-source.js';
import { whomThePageTalksTo } from './network-text.js';

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
    mode: { attribute: false },
    operator: { attribute: false },
    secureUrl: { attribute: false },
    iceServers: { attribute: false },
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
  /** How this page mines; the browser decides, so the page's own by default. */
  declare mode: MiningMode;
  /** Who runs the cluster, as `rxmesh serve --operator` names them; null when the server names no one. */
  declare operator: string | null;
  /** The cluster's https page at this page's host, where all threads mine; null when the server has none. */
  declare secureUrl: string | null;
  /** The STUN and TURN servers the server names at /api/ice; null until it answered. */
  declare iceServers: readonly IceServer[] | null;

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
    this.mode = pageMiningMode();
    this.operator = null;
    this.secureUrl = null;
    this.iceServers = null;
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
    const { duty } = this.settings;
    const threads = miningThreads(this.mode, this.settings.threads);
    const fullMode = this.settings.fullMode && this.mode.sharedMemory;
    const memory = miningMemoryBytes(this.mode, threads, fullMode);
    return html`
        <dl>
          <dt>Who runs this cluster</dt>
          <dd>
            ${
              this.operator === null
                ? html`Whoever runs the server at <strong>${host}</strong>.`
                : html`<strong data-testid="operator">${this.operator}</strong>, on the server at ${host}.`
            }
            <span data-testid="talks-to">${whomThePageTalksTo(this.iceServers)}</span>
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
            ${Math.round(duty * 100)}% of the time, and about ${Math.round(memory.steady / MIB)} MiB of memory
            ${
              fullMode
                ? this.renderFullModeCost(threads)
                : this.mode.sharedMemory
                  ? html`(256 MiB for the RandomX cache that all threads share, and about 8 MiB per thread), up to about
                    ${Math.round(memory.peak / MIB)} MiB from when the RandomX key is about to change: the next key's
                    cache is built beside the current one, so mining goes on.`
                  : html`(256 MiB for the RandomX cache, and about 8 MiB for the thread).`
            }
            Your device will run warmer and its battery will drain faster. You can change
            ${this.mode.sharedMemory ? 'both' : 'how busy it is'} below.
          </dd>
          ${this.mode.sharedMemory ? nothing : this.renderOneThread()}
          <dt>How to stop</dt>
          <dd>
            Click <strong>Stop</strong>, which stays at the top of the page while mining runs, or close this tab.
            Nothing runs until you click Start, and nothing starts by itself when you come back.
          </dd>
        </dl>
    `;
  }

  /** What full mode takes and gives, with the estimates marked as estimates. */
  private renderFullModeCost(threads: number) {
    const seconds = Math.round(FULL_MODE_ESTIMATE.buildThreadSeconds / threads);
    return html`<span data-testid="full-mode-cost"
      >(full mode: 2080 MiB for the RandomX dataset and 256 MiB for the cache, which all threads share, and about
      8 MiB per thread). Before it mines at full speed it builds the dataset on your threads, and again at each change
      of the RandomX key: about ${seconds} s on ${threads} ${threads === 1 ? 'thread' : 'threads'} by our estimate,
      which comes from a 2-core test machine and was not measured on this device. It then mines about
      ${FULL_MODE_ESTIMATE.speedUp} times as fast as light mode, by the same estimate. Stop gives all of this memory
      back.</span
    >`;
  }

  /** Why this page mines on one thread, and where all of them are. */
  private renderOneThread() {
    const why = this.mode.secureContext
      ? "this page is not cross-origin isolated (it is shown inside another site, or the server does not send the headers that isolate it; tell the cluster's operator)"
      : `this page was opened over plain http (${location.origin}), not https`;
    return html`
      <dt>Why one thread</dt>
      <dd data-testid="one-thread">
        Mining on several threads needs memory that they share, and browsers allow that only on https pages (or on
        localhost). Because ${why}, this page mines on one thread, with the same RandomX at the same speed per
        thread. To mine with all your threads, open this cluster's https address instead:
        ${
          this.secureUrl === null
            ? html`ask whoever runs it (a server started with <code>--tls-self-signed</code> has one).`
            : html`<a href=${this.secureUrl} data-testid="secure-url">${this.secureUrl}</a>.`
        }
      </dd>
    `;
  }

  private renderRemembered(consent: Consent) {
    const where = this.persistent
      ? 'This browser remembers your choice, your settings and the random id your work is credited to'
      : 'This browser keeps nothing after the tab closes, so your choice lasts only this visit';
    return html`
      <div class="remembered">
        <p>
          You agreed on ${DATE.format(consent.givenAt)}. ${where}; mining still waits for you to click Start.
          Withdrawing stops mining and forgets your choice, settings, lifetime contribution and that id here.
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
